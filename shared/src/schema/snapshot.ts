import { z } from 'zod';
import { countRecord, namedCounts, stringList } from './collections.ts';
import { SketchData } from './sketch.ts';

export const SNAPSHOT_VERSION = 1;

const count = z.number().int().nonnegative();
const countMap = countRecord();

export const NodeMeta = z.object({
  id: z.string().min(1).max(200),
  cluster: z.string().min(1).max(100),
  version: z.string(),
  hostname: z.string(),
  pid: z.number().int(),
  startedAt: z.number().int().nonnegative(),
  flushedAt: z.number().int().nonnegative(),
  intervalMs: z.number().int().positive(),
  mode: z.enum(['starting', 'running', 'maintenance', 'draining']),
});
export type NodeMeta = z.infer<typeof NodeMeta>;

/** Cumulative since the node started: merge keeps them per node so rate() survives restarts. */
export const NodeCounters = z.object({
  connects: count,
  disconnects: count,
  disconnectReasons: countMap,
  eventsIn: count,
  eventsOut: count,
  eventsInByType: countMap,
  eventsOutByType: countMap,
  errors: count,
  authFailures: count,
  rateLimited: count,
  invalidPayloads: count,
  commandsExecuted: count,
  commandsRejected: count,
  businessEvents: count,
  businessEventsRejected: count,
});
export type NodeCounters = z.infer<typeof NodeCounters>;

export const NodeGauges = z.object({
  connections: count,
  byNamespace: countMap,
  byTransport: countMap,
});
export type NodeGauges = z.infer<typeof NodeGauges>;

export const RoomSize = z.object({ name: z.string(), size: count });
export type RoomSize = z.infer<typeof RoomSize>;

export const NodeRooms = z.object({
  /** Local room count per prefix (`thread`, `user`, `presence`, …); socket-id rooms excluded. */
  byPrefix: countMap,
  /** Every named room with its local size, largest first, capped; `truncated` when the cap cut it. */
  sizes: namedCounts(),
  truncated: z.boolean(),
});
export type NodeRooms = z.infer<typeof NodeRooms>;

export const NodePresence = z.object({
  /** User ids, so the cluster can count distinct users across nodes. */
  online: stringList(),
  away: stringList(),
  staleClients: count,
});
export type NodePresence = z.infer<typeof NodePresence>;

export const NodeInfrastructure = z.object({
  uptimeSec: z.number().nonnegative(),
  memory: z.object({ rss: count, heapUsed: count, heapTotal: count, external: count }),
  /** CPU percent of one core over the last interval. */
  cpuPercent: z.number().nonnegative(),
  eventLoop: z.object({ meanMs: z.number(), p50Ms: z.number(), p99Ms: z.number(), maxMs: z.number() }),
  /** `connected` is what the node's last flush found: null until one measured it (the first snapshot). */
  redis: z.object({ connected: z.boolean().nullable(), latencyMs: z.number().nonnegative().nullable() }),
});
export type NodeInfrastructure = z.infer<typeof NodeInfrastructure>;

export const NodeSnapshot = z.object({
  v: z.literal(SNAPSHOT_VERSION),
  node: NodeMeta,
  gauges: NodeGauges,
  counters: NodeCounters,
  /** Handler latency in milliseconds: `window` covers the last interval, `cumulative` since start. */
  latency: z.object({ window: SketchData, cumulative: SketchData }),
  rooms: NodeRooms,
  presence: NodePresence,
  infra: NodeInfrastructure,
  rateLimits: z
    .object({
      perSocket: z
        .object({ limit: z.number().int().positive(), windowMs: z.number().int().positive() })
        .nullable(),
      perUser: z
        .object({ limit: z.number().int().positive(), windowMs: z.number().int().positive() })
        .nullable(),
    })
    .default({ perSocket: null, perUser: null }),
});
export type NodeSnapshot = z.infer<typeof NodeSnapshot>;

/** One row of a node's sockets hash (`…:node:<id>:sockets`). */
export const SocketRecord = z.object({
  id: z.string(),
  nodeId: z.string(),
  namespace: z.string(),
  userId: z.string().nullable(),
  role: z.string().nullable(),
  transport: z.string(),
  connectedAt: z.number().int(),
  rooms: count,
  roomNames: z.array(z.string()).default([]),
  lastEventAt: z.number().int().nullable(),
});
export type SocketRecord = z.infer<typeof SocketRecord>;

/** What a node changed in its sockets hash since the last flush. */
export interface SocketDelta {
  upsert: SocketRecord[];
  remove: string[];
}
