import { z } from 'zod';
import { ClusterRoom } from './aggregates.ts';
import { SketchData } from './sketch.ts';
import { NodeCounters } from './snapshot.ts';

const count = z.number().int().nonnegative();
const countMap = z.record(z.string(), count);
/** A per-minute or per-second rate; null until two views exist to take a delta from. */
const rate = z.number().nonnegative().nullable();

export const NodeState = z.enum(['live', 'stale', 'lost', 'invalid']);
export type NodeState = z.infer<typeof NodeState>;

/** A node's cumulative counts the cluster's rates come from. */
export const NodeTotals = z.object({
  connects: count,
  disconnects: count,
  eventsIn: count,
  eventsOut: count,
  errors: count,
});
export type NodeTotals = z.infer<typeof NodeTotals>;

export const NodeSummary = z.object({
  id: z.string(),
  state: NodeState,
  mode: z.enum(['starting', 'running', 'maintenance', 'draining']).nullable(),
  version: z.string().nullable(),
  hostname: z.string().nullable(),
  startedAt: z.number().nullable(),
  lastFlushAt: z.number().nullable(),
  uptimeSec: z.number().nullable(),
  connections: count,
  memory: z.object({ rss: count, heapUsed: count }).nullable(),
  cpuPercent: z.number().nullable(),
  eventLoopP99Ms: z.number().nullable(),
  /** null for a node without a snapshot; `connected` null until the node measured it. */
  redis: z.object({ connected: z.boolean().nullable(), latencyMs: z.number().nullable() }).nullable(),
  /** The node's cumulative totals (from its pulse): what the cluster's rates are taken from. */
  totals: NodeTotals.nullable().default(null),
  /**
   * The node's counters by label: read with its snapshot at scrape time (`/metrics`), null in a
   * tick's view, which reads only pulses.
   */
  counters: NodeCounters.nullable(),
  /** The node's cumulative latency sketch (ms), for a per-node histogram; like `counters`. */
  latency: SketchData.nullable().default(null),
  /** Why a snapshot was rejected (invalid) — for the operator, never thrown. */
  error: z.string().nullable(),
});
export type NodeSummary = z.infer<typeof NodeSummary>;

/**
 * A node that left gracefully, with its final counters: counted in no total or health check, only
 * exposed so Prometheus sees the last interval before the node's series end.
 */
export const DepartedNode = z.object({
  id: z.string(),
  startedAt: z.number(),
  leftAt: z.number(),
  counters: NodeCounters,
  latency: SketchData,
});
export type DepartedNode = z.infer<typeof DepartedNode>;

export const LatencySummary = z.object({
  count: count,
  avg: z.number().nullable(),
  p50: z.number().nullable(),
  p95: z.number().nullable(),
  p99: z.number().nullable(),
  max: z.number().nullable(),
});
export type LatencySummary = z.infer<typeof LatencySummary>;

/**
 * The merged cluster. Field paths are the KPI names operators query (`connections.total`,
 * `events.by_type`, `rooms.by_prefix`, …) because they are the JSON body of `/metrics`.
 */
export const ClusterView = z.object({
  v: z.literal(1),
  cluster: z.string(),
  generatedAt: z.number(),
  intervalMs: z.number().int().positive(),
  connections: z.object({
    total: count,
    /** The reference server's namespaces: present only when some node has a `/hub` (`/portal`) namespace. */
    hub: count.optional(),
    portal: count.optional(),
    by_namespace: countMap,
    by_transport: countMap,
    /** Per minute: `1m` over about the last minute, `interval` over each node's last flush interval. */
    rate: z.object({ '1m': rate, interval: rate.optional() }),
    /** New connections refused by the nodes (maintenance, draining), cumulative, by reason. */
    refused: z.object({ count: count, by_reason: countMap }).optional(),
  }),
  disconnections: z.object({
    count: count,
    by_reason: countMap,
    rate: z.object({ '1m': rate, interval: rate.optional() }),
  }),
  events: z.object({
    inbound: z.object({ count: count }),
    outbound: z.object({ count: count }),
    /** Per second: `1m`, `inbound`, `outbound` over about the last minute; `interval` over each node's last flush interval. */
    throughput: z.object({
      '1m': rate,
      inbound: rate,
      outbound: rate,
      interval: z.object({ inbound: rate, outbound: rate }).optional(),
    }),
    latency: LatencySummary,
    by_type: countMap,
  }),
  rooms: z.object({
    total: count,
    by_prefix: countMap,
    /** Distinct rooms and summed sizes per namespace. */
    by_namespace: z.record(z.string(), z.object({ rooms: count, members: count })).default({}),
    avg_size: z.number().nonnegative(),
    largest: ClusterRoom.nullable(),
    top: z.array(ClusterRoom),
    /**
     * False when the counts come from the cluster-wide aggregates (exact). True only for a view
     * summed from several nodes' own summaries without them, where a shared room counts twice.
     */
    approximate: z.boolean(),
  }),
  presence: z.object({ online: count, away: count, stale_clients: count }),
  redis: z.object({
    /** True when some node is counted and none reports its Redis connection down (unmeasured is not down). */
    connected: z.boolean(),
    latency: z.number().nullable(),
    nodes_connected: count,
  }),
  server: z.object({
    uptime: z.number().nonnegative(),
    memory: z.object({ heap: count, rss: count }),
  }),
  errors: z.object({ count: count, auth_failures: count, rate_limited: count, invalid_payloads: count }),
  /** How many ms the rates above actually span: `1m` is shorter while the edge has less history. */
  rate_windows_ms: z
    .object({ '1m': z.number().nonnegative().nullable(), interval: z.number().nonnegative().nullable() })
    .optional(),
  nodes: z.object({
    live: count,
    stale: count,
    lost: count,
    invalid: count,
    list: z.array(NodeSummary),
  }),
  /** Nodes that left gracefully, served from their farewell snapshot for a while (see DepartedNode). */
  departed: z.array(DepartedNode).default([]),
  /** Merged cumulative latency sketch of the live nodes, for histogram exposition and history. */
  latencySketch: SketchData,
  /** Merged sketch of the last interval, for percentiles over time. */
  windowSketch: SketchData,
});
export type ClusterView = z.infer<typeof ClusterView>;
