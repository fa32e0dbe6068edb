import type { SketchData } from '../schema/sketch.ts';
import type {
  NodeCounters,
  NodeGauges,
  NodeInfrastructure,
  NodeMeta,
  NodePresenceCounts,
  NodeRooms,
  NodeSnapshot,
} from '../schema/snapshot.ts';
import { NodeSnapshot as NodeSnapshotSchema } from '../schema/snapshot.ts';
import { LatencySketch } from '../sketch/latency-sketch.ts';
import type { NodeRecord } from '../store/port.ts';

export interface SnapshotOverrides {
  node?: Partial<NodeMeta>;
  gauges?: Partial<NodeGauges>;
  counters?: Partial<NodeCounters>;
  rooms?: Partial<NodeRooms>;
  presence?: Partial<NodePresenceCounts>;
  infra?: Partial<NodeInfrastructure>;
  /** Handler latencies (ms) recorded in both the window and the cumulative sketch. */
  latencyMs?: number[];
  latency?: { window?: SketchData; cumulative?: SketchData };
}

const T0 = 1_700_000_000_000;

/** A valid, realistic NodeSnapshot for tests; every section can be overridden field by field. */
export function sampleSnapshot(overrides: SnapshotOverrides = {}): NodeSnapshot {
  const sketch = new LatencySketch();
  for (const ms of overrides.latencyMs ?? [1.2, 2.5, 3.1, 4.8, 12]) sketch.add(ms);
  const latency = sketch.toJSON();
  const snapshot: NodeSnapshot = {
    v: 2,
    node: {
      id: 'node-a',
      cluster: 'default',
      version: '0.1.0',
      hostname: 'host-a',
      pid: 4242,
      startedAt: T0,
      flushedAt: T0 + 60_000,
      intervalMs: 5000,
      mode: 'running',
      ...overrides.node,
    },
    gauges: {
      connections: 3,
      byNamespace: { '/hub': 1, '/portal': 2 },
      byTransport: { websocket: 3 },
      ...overrides.gauges,
    },
    counters: {
      connects: 5,
      disconnects: 2,
      disconnectReasons: { 'client namespace disconnect': 2 },
      eventsIn: 40,
      eventsOut: 55,
      eventsInByType: { heartbeat: 30, 'thread:message': 10 },
      eventsOutByType: { 'thread:message': 55 },
      errors: 0,
      authFailures: 0,
      rateLimited: 0,
      invalidPayloads: 0,
      refusedConnections: {},
      commandsExecuted: 0,
      commandsRejected: 0,
      businessEvents: 0,
      businessEventsRejected: 0,
      ...overrides.counters,
    },
    latency: { window: latency, cumulative: latency, ...overrides.latency },
    rooms: {
      total: 3,
      members: 4,
      byPrefix: { thread: 1, user: 2 },
      top: [
        ['/portal', 'thread:1', 2],
        ['/portal', 'user:u1', 1],
        ['/portal', 'user:u2', 1],
      ],
      ...overrides.rooms,
    },
    presence: { online: 1, away: 1, staleClients: 0, ...overrides.presence },
    infra: {
      uptimeSec: 60,
      memory: { rss: 80_000_000, heapUsed: 30_000_000, heapTotal: 40_000_000, external: 2_000_000 },
      cpuPercent: 3.5,
      eventLoop: { meanMs: 10.2, p50Ms: 10.1, p99Ms: 12.5, maxMs: 20 },
      redis: { connected: true, latencyMs: 0.4 },
      ...overrides.infra,
    },
    rateLimits: { perSocket: null, perUser: null },
  };
  return NodeSnapshotSchema.parse(snapshot);
}

/** The store record the edge would read for this snapshot. */
export function sampleRecord(snapshot: NodeSnapshot, lastFlushAt = snapshot.node.flushedAt): NodeRecord {
  return { nodeId: snapshot.node.id, lastFlushAt, raw: JSON.stringify(snapshot) };
}
