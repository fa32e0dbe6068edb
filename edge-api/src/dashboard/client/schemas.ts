import {
  AlertState,
  AuditEntry,
  ClusterView,
  CommandResult,
  HealthReport,
  HealthStatus,
} from '@telltale/shared';
import type { InferResponseType } from 'hono/client';
import { z } from 'zod';
import type { ApiClient } from './api.ts';

/** What the edge API answers, validated in the browser with the same schemas the server uses. */

export { AuditEntry, ClusterView, CommandResult, HealthReport };

/**
 * The answers of the routes the dashboard reads, as the app's own routes declare them (`hc<EdgeApi>`):
 * nothing here re-declares a server type.
 */
type Admin = ApiClient['admin'];
export type ConnectionsPage = InferResponseType<Admin['connections']['$get'], 200>;
export type SocketRow = ConnectionsPage['items'][number];
export type AuditPage = InferResponseType<Admin['commands']['$get'], 200>;
export type RoomsPage = InferResponseType<Admin['rooms']['$get'], 200>;
export type AlertsReport = InferResponseType<Admin['alerts']['$get'], 200>;
export type AlertStateRow = AlertsReport['active'][number];
export type HistoryResponse = InferResponseType<ApiClient['metrics']['history']['$get'], 200>;

/** Server → browser frames of the live feed (WebSocket and SSE carry the same JSON). */
/** One update, pushed by the WebSocket and SSE feeds and answered by GET /admin/live/update. */
export const PolledUpdate = z.object({
  type: z.literal('update'),
  at: z.number(),
  forced: z.boolean().default(false),
  status: HealthStatus,
  reason: z.string().nullable().default(null),
  view: ClusterView.nullable(),
  error: z.string().nullable().default(null),
  alerts: z.array(AlertState).default([]),
});

export const FeedMessage = z.discriminatedUnion('type', [
  z.object({ type: z.literal('hello'), cluster: z.string(), intervalMs: z.number(), paused: z.boolean() }),
  PolledUpdate,
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
