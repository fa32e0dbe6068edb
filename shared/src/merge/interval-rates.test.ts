import { describe, expect, it } from 'vitest';
import { ClusterView } from '../schema/cluster.ts';
import { LatencySketch } from '../sketch/index.ts';
import { withIntervalRates } from './interval-rates.ts';
import { RateBaseline } from './rate-baseline.ts';

const T = 1_700_000_000_000;
const STARTED = T - 600_000;
const EMPTY_SKETCH = new LatencySketch().toJSON();

interface At {
  id?: string;
  flushedAt: number;
  eventsIn: number;
  connects?: number;
  startedAt?: number;
}

/** A view read at `readAt` holding nodes whose last flush was at `flushedAt` with these counters. */
function view(readAt: number, nodes: At[]): ClusterView {
  return ClusterView.parse({
    v: 1,
    cluster: 'default',
    generatedAt: readAt,
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
    redis: { connected: true, latency: null, nodes_connected: 1 },
    server: { uptime: 0, memory: { heap: 0, rss: 0 } },
    errors: { count: 0, auth_failures: 0, rate_limited: 0, invalid_payloads: 0 },
    nodes: {
      live: nodes.length,
      stale: 0,
      lost: 0,
      invalid: 0,
      list: nodes.map((n) => ({
        id: n.id ?? 'a',
        state: 'live',
        mode: 'running',
        version: '1',
        hostname: 'h',
        startedAt: n.startedAt ?? STARTED,
        lastFlushAt: n.flushedAt,
        uptimeSec: 1,
        connections: 0,
        memory: null,
        cpuPercent: null,
        eventLoopP99Ms: null,
        redis: null,
        totals: {
          connects: n.connects ?? 0,
          disconnects: 0,
          eventsIn: n.eventsIn,
          eventsOut: n.eventsIn * 2,
          errors: 0,
        },
        counters: null,
        error: null,
      })),
    },
    latencySketch: EMPTY_SKETCH,
    windowSketch: EMPTY_SKETCH,
  });
}

describe('withIntervalRates', () => {
  it('is the rate over the node’s last flush interval, by the node’s flush times', () => {
    // Flushes 4 s apart with 100 events between them: 25/s in, 50/s out, whatever the reads' spacing.
    const previous = view(T + 1000, [{ flushedAt: T, eventsIn: 1000 }]);
    const current = withIntervalRates(view(T + 6500, [{ flushedAt: T + 4000, eventsIn: 1100 }]), [previous]);
    expect(current.events.throughput.interval).toEqual({ inbound: 25, outbound: 50 });
    expect(current.rate_windows_ms?.interval).toBe(4000);
  });

  it('reads 0 one flush after traffic stops, where the minute average still reads the burst', () => {
    const rates = new RateBaseline(5000);
    // 600 events in the first 5 s, then none: the trailing average still reads 60/s, the last interval 0.
    rates.rateAndKeep(view(T, [{ flushedAt: T - 100, eventsIn: 0 }]));
    rates.rateAndKeep(view(T + 5000, [{ flushedAt: T + 4900, eventsIn: 600 }]));
    const after = rates.rateAndKeep(view(T + 10_000, [{ flushedAt: T + 9900, eventsIn: 600 }]));
    expect(after.events.throughput.interval?.inbound).toBe(0);
    expect(after.events.throughput.inbound).toBe(60);
    expect(after.rate_windows_ms).toEqual({ '1m': 10_000, interval: 5000 });
  });

  it('keeps the last interval’s rate when the node has not flushed since the previous read', () => {
    const first = view(T, [{ flushedAt: T - 100, eventsIn: 0 }]);
    const second = view(T + 5000, [{ flushedAt: T + 4900, eventsIn: 50 }]);
    // Read again before the node's next flush: same flush, so the same interval (50 in 5 s).
    const again = withIntervalRates(view(T + 5100, [{ flushedAt: T + 4900, eventsIn: 50 }]), [first, second]);
    expect(again.events.throughput.interval?.inbound).toBe(10);
  });

  it('sums nodes, each over its own interval', () => {
    const before = view(T, [
      { id: 'a', flushedAt: T - 1000, eventsIn: 0 },
      { id: 'b', flushedAt: T - 3000, eventsIn: 0 },
    ]);
    const now = withIntervalRates(
      view(T + 5000, [
        { id: 'a', flushedAt: T + 4000, eventsIn: 50 },
        { id: 'b', flushedAt: T + 2000, eventsIn: 10 },
      ]),
      [before],
    );
    expect(now.events.throughput.interval?.inbound).toBe(12);
  });

  it('counts a node that started since the edge’s oldest view from its start, and connects per minute', () => {
    const before = view(T, []);
    const now = withIntervalRates(
      view(T + 5000, [{ flushedAt: T + 4000, startedAt: T + 1000, eventsIn: 30, connects: 6 }]),
      [before],
    );
    expect(now.events.throughput.interval?.inbound).toBe(10);
    expect(now.connections.rate.interval).toBe(120);
  });

  it('treats a restart as counting from the new start, never a negative rate', () => {
    const before = view(T, [{ flushedAt: T - 100, eventsIn: 5000 }]);
    const now = withIntervalRates(
      view(T + 5000, [{ flushedAt: T + 4900, startedAt: T + 2900, eventsIn: 40 }]),
      [before],
    );
    expect(now.events.throughput.interval?.inbound).toBe(20);
  });

  it('has no interval rate without an earlier flush to compare with', () => {
    const only = withIntervalRates(view(T, [{ flushedAt: T - 100, eventsIn: 10 }]), []);
    expect(only.events.throughput.interval).toBeUndefined();
    expect(only.connections.rate.interval).toBeUndefined();
  });
});
