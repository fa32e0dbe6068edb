import { LatencySketch } from '../sketch/index.ts';
import { ClusterView, type NodeSummary } from './cluster.ts';
import type { NodeCounters } from './snapshot.ts';

/** What a test says about one node of a hand-built view; the rest is a plain live, running node. */
export interface NodeFixture {
  id?: string;
  state?: NodeSummary['state'];
  mode?: NodeSummary['mode'];
  startedAt?: number;
  flushedAt: number;
  counters?: Partial<NodeCounters>;
}

const EMPTY_SKETCH = new LatencySketch().toJSON();

/**
 * A ClusterView built field by field (not by `mergeSnapshots`), for tests of what reads a view:
 * health, rates. `extra` overrides top-level sections.
 */
export function clusterViewFixture(
  at: number,
  nodes: NodeFixture[],
  extra: Partial<Record<keyof ClusterView, unknown>> = {},
): ClusterView {
  const count = (state: NodeSummary['state']) => nodes.filter((n) => (n.state ?? 'live') === state).length;
  return ClusterView.parse({
    v: 1,
    cluster: 'default',
    generatedAt: at,
    intervalMs: 5000,
    connections: { total: 0, by_namespace: {}, by_transport: {}, rate: { '1m': null } },
    disconnections: { count: 0, by_reason: {}, rate: { '1m': null } },
    events: {
      inbound: { count: 0 },
      outbound: { count: 0 },
      throughput: { '1m': null, inbound: null, outbound: null },
      latency: { count: 0, avg: null, p50: null, p95: null, p99: null, max: null },
      by_type: {},
    },
    rooms: { total: 0, by_prefix: {}, avg_size: 0, largest: null, top: [], approximate: false },
    presence: { online: 0, away: 0, stale_clients: 0 },
    redis: { connected: true, latency: null, nodes_connected: nodes.length },
    server: { uptime: 0, memory: { heap: 0, rss: 0 } },
    errors: { count: 0, auth_failures: 0, rate_limited: 0, invalid_payloads: 0 },
    nodes: {
      live: count('live'),
      stale: count('stale'),
      lost: count('lost'),
      invalid: count('invalid'),
      list: nodes.map((n) => ({
        id: n.id ?? 'a',
        state: n.state ?? 'live',
        mode: n.mode === undefined ? 'running' : n.mode,
        version: '1',
        hostname: 'h',
        startedAt: n.startedAt ?? at - 600_000,
        lastFlushAt: n.flushedAt,
        uptimeSec: 1,
        connections: 0,
        memory: null,
        cpuPercent: null,
        eventLoopP99Ms: null,
        redis: null,
        totals: {
          connects: n.counters?.connects ?? 0,
          disconnects: n.counters?.disconnects ?? 0,
          eventsIn: n.counters?.eventsIn ?? 0,
          eventsOut: n.counters?.eventsOut ?? 0,
          errors: n.counters?.errors ?? 0,
        },
        counters: {
          connects: 0,
          disconnects: 0,
          disconnectReasons: {},
          eventsIn: 0,
          eventsOut: 0,
          eventsInByType: {},
          eventsOutByType: {},
          errors: 0,
          authFailures: 0,
          rateLimited: 0,
          invalidPayloads: 0,
          commandsExecuted: 0,
          commandsRejected: 0,
          businessEvents: 0,
          businessEventsRejected: 0,
          ...n.counters,
        },
        error: null,
      })),
    },
    latencySketch: EMPTY_SKETCH,
    windowSketch: EMPTY_SKETCH,
    ...extra,
  });
}
