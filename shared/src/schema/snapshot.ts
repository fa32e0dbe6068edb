import { z } from 'zod';
import { countRecord, roomTriples, stringList } from './collections.ts';
import { SketchData } from './sketch.ts';

/**
 * v2: constant size. Rooms and presence are counts and a short top list; the cluster's distinct
 * rooms and users live in Redis aggregates each flush keeps up to date (see `AggregateChanges`).
 */
export const SNAPSHOT_VERSION = 2;

/** Rooms a snapshot lists by name (its own largest), and how long a name listed there may be. */
export const SNAPSHOT_TOP_ROOMS = 20;
export const SNAPSHOT_ROOM_NAME_LENGTH = 64;

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
  /** New connections the node refused, by reason (`maintenance`, `draining`); auth failures are counted apart. */
  refusedConnections: countMap.default({}),
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

export const NodeRooms = z.object({
  /** Distinct rooms here (namespace + name), socket-id rooms excluded. */
  total: count,
  /** Their sizes summed. */
  members: count,
  /** Local room count per prefix (`thread`, `user`, `presence`, …), capped like every label map. */
  byPrefix: countMap,
  /** The node's largest rooms, largest first, at most `SNAPSHOT_TOP_ROOMS`, names cut to 64 characters. */
  top: roomTriples(SNAPSHOT_TOP_ROOMS, 100, SNAPSHOT_ROOM_NAME_LENGTH + 1),
});
export type NodeRooms = z.infer<typeof NodeRooms>;

/** What a `presence` callback reports: the user ids online and away on this node (never flushed as lists). */
export const NodePresence = z.object({
  online: stringList(),
  away: stringList(),
  staleClients: count,
});
export type NodePresence = z.infer<typeof NodePresence>;

/** The snapshot's presence: this node's counts; distinct users across nodes come from the aggregates. */
export const NodePresenceCounts = z.object({ online: count, away: count, staleClients: count });
export type NodePresenceCounts = z.infer<typeof NodePresenceCounts>;

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
  presence: NodePresenceCounts,
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
