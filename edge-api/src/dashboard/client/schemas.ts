import {
  AlertEvent,
  AlertRule,
  AlertState,
  AuditEntry,
  ClusterView,
  CommandResult,
  HealthReport,
  HealthStatus,
  LatencySummary,
  SocketRecord,
} from '@telltale/shared';
import { z } from 'zod';
import { TickPoint } from '../../aggregator/history.ts';

/** What the edge API answers, validated in the browser with the same schemas the server uses. */

export { AuditEntry, ClusterView, CommandResult, HealthReport };

const MinutePoint = z.object({
  at: z.number(),
  ticks: z.number().int(),
  series: z.record(
    z.string(),
    z.object({ min: z.number(), max: z.number(), avg: z.number(), count: z.number().int() }),
  ),
  latency: LatencySummary,
});

export const HistoryResponse = z.discriminatedUnion('resolution', [
  z.object({
    resolution: z.literal('tick'),
    intervalMs: z.number(),
    from: z.number(),
    to: z.number(),
    points: z.array(TickPoint),
  }),
  z.object({
    resolution: z.literal('1m'),
    intervalMs: z.number(),
    from: z.number(),
    to: z.number(),
    points: z.array(MinutePoint),
  }),
]);
export type HistoryResponse = z.infer<typeof HistoryResponse>;

export const page = <T extends z.ZodType>(item: T) =>
  z.object({ items: z.array(item), nextCursor: z.string().nullable() });

export const ConnectionsPage = page(SocketRecord);
export type ConnectionsPage = z.infer<typeof ConnectionsPage>;
export type SocketRow = z.infer<typeof SocketRecord>;

export const AuditPage = page(AuditEntry);
export type AuditPage = z.infer<typeof AuditPage>;

export const RoomsPage = page(z.object({ name: z.string(), size: z.number().int() })).extend({
  total: z.number().int(),
  approximate: z.boolean(),
});
export type RoomsPage = z.infer<typeof RoomsPage>;

export const AlertsReport = z.object({
  rules: z.array(AlertRule),
  active: z.array(AlertState),
  history: z.array(AlertEvent),
});
export type AlertsReport = z.infer<typeof AlertsReport>;
export type AlertStateRow = z.infer<typeof AlertState>;

/** Server → browser frames of the live feed (WebSocket and SSE carry the same JSON). */
export const FeedMessage = z.discriminatedUnion('type', [
  z.object({ type: z.literal('hello'), cluster: z.string(), intervalMs: z.number(), paused: z.boolean() }),
  z.object({
    type: z.literal('update'),
    at: z.number(),
    forced: z.boolean().default(false),
    status: HealthStatus,
    reason: z.string().nullable().default(null),
    view: ClusterView.nullable(),
    error: z.string().nullable().default(null),
    alerts: z.array(AlertState).default([]),
  }),
  z.object({ type: z.literal('status'), paused: z.boolean() }),
  z.object({ type: z.literal('error'), message: z.string() }),
]);
export type FeedMessage = z.infer<typeof FeedMessage>;
export type FeedUpdate = Extract<FeedMessage, { type: 'update' }>;

export const Problem = z.object({
  title: z.string().optional(),
  detail: z.string().optional(),
  status: z.number().optional(),
});
