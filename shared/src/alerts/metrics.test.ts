import { describe, expect, it } from 'vitest';
import { sampleRecord, sampleSnapshot } from '../merge/fixtures.ts';
import { mergeSnapshots } from '../merge/merge-snapshots.ts';
import { defaultAlertRules } from './defaults.ts';
import { evaluateAlerts } from './engine.ts';
import { resolveAlertMetric } from './metrics.ts';
import { SLO_ALERT_METRICS } from './slo.ts';

const T = 1_700_000_000_000;
const options = { cluster: 'default', intervalMs: 5000 };

function view(at: number, nodes: Parameters<typeof sampleSnapshot>[0][]) {
  return mergeSnapshots(
    nodes.map((n, i) => sampleRecord(sampleSnapshot({ ...n, node: { id: `n${i}`, ...n?.node } }), at - 500)),
    at,
    options,
  );
}

describe('resolveAlertMetric', () => {
  it('reads dotted paths into the view, booleans as 1/0, and null for anything else', () => {
    const v = view(T, [{}, { gauges: { connections: 4, byNamespace: { '/hub': 4 }, byTransport: {} } }]);
    expect(resolveAlertMetric(v, 'connections.total')).toBe(7);
    expect(resolveAlertMetric(v, 'connections.hub')).toBe(5);
    expect(resolveAlertMetric(v, 'redis.connected')).toBe(1);
    expect(resolveAlertMetric(v, 'events.latency.p95')).toBeGreaterThan(0);
    expect(resolveAlertMetric(v, 'connections.rate.1m')).toBeNull();
    expect(resolveAlertMetric(v, 'rooms.top')).toBeNull();
    expect(resolveAlertMetric(v, 'constructor.name')).toBeNull();
  });

  it('derives errors.rate from counter deltas against the previous view, else cumulatively', () => {
    const before = view(T, [{ counters: { eventsIn: 1000, errors: 10 } }]);
    const after = view(T + 60_000, [{ counters: { eventsIn: 1100, errors: 30 } }]);
    expect(resolveAlertMetric(after, 'errors.rate', before)).toBeCloseTo(0.2, 10);
    expect(resolveAlertMetric(after, 'errors.rate')).toBeCloseTo(30 / 1100, 10);
    expect(resolveAlertMetric(view(T, [{ counters: { eventsIn: 0, errors: 0 } }]), 'errors.rate')).toBe(0);
  });

  it('derives redis.down, memory and node counts', () => {
    const down = view(T, [{}, { infra: { redis: { connected: false, latencyMs: null } } }]);
    expect(resolveAlertMetric(down, 'redis.down')).toBe(1);
    expect(resolveAlertMetric(view(T, [{}]), 'redis.down')).toBe(0);
    expect(resolveAlertMetric(view(T, []), 'redis.down')).toBe(0);
    const big = view(T, [
      {},
      {
        infra: {
          memory: { rss: 2e9, heapUsed: 1e9, heapTotal: 1.2e9, external: 0 },
        },
      },
    ]);
    expect(resolveAlertMetric(big, 'memory.rss_max_bytes')).toBe(2e9);
    expect(resolveAlertMetric(big, 'memory.heap_max_bytes')).toBe(1e9);
    const withLost = mergeSnapshots([{ nodeId: 'x', lastFlushAt: T - 20_000, raw: null }], T, options);
    expect(resolveAlertMetric(withLost, 'nodes.lost')).toBe(1);
    expect(resolveAlertMetric(withLost, 'nodes.unavailable')).toBe(1);
  });
});

describe('defaultAlertRules', () => {
  it('covers error rate, p95 latency, memory, Redis down, node lost and stale clients', () => {
    const metrics = new Set(defaultAlertRules().map((r) => r.metric));
    for (const m of [
      'errors.rate',
      'events.latency.p95',
      'memory.rss_max_bytes',
      'redis.down',
      'nodes.lost',
      'presence.stale_clients',
    ]) {
      expect(metrics).toContain(m);
    }
  });

  it('every default metric resolves to a number on a real view, but the SLO burn rates, which the SLO report gives', () => {
    const v = view(T, [{}]);
    const [fromView, fromSlo] = [
      defaultAlertRules().filter((r) => !SLO_ALERT_METRICS.includes(r.metric)),
      defaultAlertRules().filter((r) => SLO_ALERT_METRICS.includes(r.metric)),
    ];
    for (const rule of fromView) expect(resolveAlertMetric(v, rule.metric)).not.toBeNull();
    expect(fromSlo.map((r) => [r.id, r.metric, r.confirmMetric])).toEqual([
      ['slo-burn-page-1h', 'slo.burn_rate.1h', 'slo.burn_rate.5m'],
      ['slo-burn-page-6h', 'slo.burn_rate.6h', 'slo.burn_rate.30m'],
      ['slo-burn-ticket-3d', 'slo.burn_rate.3d', 'slo.burn_rate.6h'],
    ]);
  });

  it('stays quiet on a healthy cluster and fires node-lost at once when a node is lost', () => {
    const healthy = evaluateAlerts(defaultAlertRules(), {}, view(T, [{}, {}]), T);
    expect(healthy.events).toEqual([]);
    const lost = mergeSnapshots(
      [
        sampleRecord(sampleSnapshot({ node: { id: 'a' } }), T - 500),
        { nodeId: 'b', lastFlushAt: T - 16_000, raw: null },
      ],
      T,
      options,
    );
    const result = evaluateAlerts(defaultAlertRules(), healthy.state, lost, T);
    expect(result.events.map((e) => [e.ruleId, e.to])).toEqual([['node-lost', 'firing']]);
  });
});
