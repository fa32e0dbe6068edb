import type { TelltaleStore } from '@telltale/shared';
import { createMemoryStore } from '@telltale/shared/store/memory';
import { afterEach, describe, expect, it } from 'vitest';
import { admin, edgeConfig, flushNode, json, quietLogger, snapshotOf } from '../../test/harness.ts';
import { createInProcessAggregator, type InProcessAggregator } from '../aggregator/in-process.ts';
import { aggregatorOptions } from '../aggregator/options.ts';
import { createApp } from '../app.ts';

let store: TelltaleStore;
let edges: InProcessAggregator[] = [];
afterEach(async () => {
  for (const edge of edges) await edge.stop();
  edges = [];
  await store?.close();
});

/** A minute boundary, so the ticks below share one minute of the series until the test moves on. */
const minuteStart = (t: number) => Math.floor(t / 60_000) * 60_000;

function edgeAt(clock: { now: number }) {
  const config = edgeConfig({ SLO_TARGET: '0.999', SLO_WINDOW: '30d' });
  const bound = store.forCluster(config.CLUSTER_ID);
  const aggregator = createInProcessAggregator({
    ...aggregatorOptions(config, bound),
    logger: quietLogger,
    now: () => clock.now,
  });
  edges.push(aggregator);
  return {
    app: createApp({ config, store: bound, aggregator: aggregator.client, now: () => clock.now }),
    aggregator: aggregator.aggregator,
  };
}

describe('the availability SLO on the edge', () => {
  it('counts fail ticks as bad, reports the budget on /admin/slo and /metrics, pages without failing /health, and survives a restart', async () => {
    store = createMemoryStore();
    const clock = { now: minuteStart(Date.now()) + 1_000 };
    const fresh = () =>
      flushNode(store, snapshotOf('node-a', { node: { id: 'node-a', flushedAt: clock.now } }));
    const { app, aggregator } = edgeAt(clock);

    // Three good ticks (one node, EXPECTED_NODES 1), then two with the node gone stale: no live node, fail.
    for (let i = 0; i < 3; i++) {
      await fresh();
      await aggregator.tick();
      clock.now += 1_000;
    }
    clock.now += 20_000;
    for (let i = 0; i < 2; i++) {
      expect((await aggregator.tick()).health.status).toBe('fail');
      clock.now += 1_000;
    }

    const slo = await json(await app.request('/admin/slo', { headers: admin }));
    expect(slo).toMatchObject({ target: 0.999, windowMs: 2_592_000_000, good: 3, bad: 2 });
    expect(slo.availability).toBeCloseTo(0.6, 10);
    // 2 bad of 5 against a budget of 0.005 bad ticks: 400 × the budget spent.
    expect(slo.errorBudgetRemaining).toBeCloseTo(-399, 6);
    expect((slo.burnRates as Record<string, number>)['5m']).toBeCloseTo(400, 6);

    const text = await (
      await app.request('/metrics', { headers: { accept: 'text/plain;version=0.0.4' } })
    ).text();
    expect(text).toContain(
      '# HELP telltale_slo_error_budget_remaining_ratio Error budget left in the SLO window',
    );
    expect(text).toMatch(/^telltale_slo_error_budget_remaining_ratio -399$/m);
    expect(text).toMatch(/^telltale_slo_burn_rate\{window="1h"\} 400$/m);
    expect(text).toContain('telltale_slo_window_ticks{result="bad"} 2');
    expect(text).toContain('telltale_slo_objective_ratio 0.999');
    const openMetrics = await (await app.request('/metrics?format=openmetrics')).text();
    expect(openMetrics).toContain('# UNIT telltale_slo_availability_ratio ratio');
    expect(openMetrics.trimEnd().endsWith('# EOF')).toBe(true);

    // The node is back: the 1 h/5 m page fires on the burn so far, yet /health passes.
    await fresh();
    await aggregator.tick();
    const alerts = await json(await app.request('/admin/alerts', { headers: admin }));
    expect(alerts.active).toEqual(
      expect.arrayContaining([expect.objectContaining({ ruleId: 'slo-burn-page-1h', phase: 'firing' })]),
    );
    expect((await app.request('/health')).status).toBe(200);

    // The series is written on the first tick of each minute: this one carries all seven ticks.
    clock.now = minuteStart(clock.now) + 60_000;
    await fresh();
    await aggregator.tick();
    const before = await json(await app.request('/admin/slo', { headers: admin }));
    expect([before.good, before.bad]).toEqual([5, 2]);

    const restarted = edgeAt(clock);
    await restarted.aggregator.onStart(); // its first tick is one more good one
    const after = await json(await restarted.app.request('/admin/slo', { headers: admin }));
    expect([after.good, after.bad]).toEqual([6, 2]);
  });
});
