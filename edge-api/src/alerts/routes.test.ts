import { type AlertRule, defaultAlertRules } from '@telltale/shared';
import { afterEach, describe, expect, it } from 'vitest';
import { admin, type Edge, flushNode, json, makeEdge, snapshotOf } from '../../test/harness.ts';
import { isAlertableMetric } from './metric-path.ts';

let edge: Edge;
afterEach(() => edge?.stop());

const put = (body: unknown) =>
  edge.app.request('/admin/alerts/rules', {
    method: 'PUT',
    headers: { ...admin, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });

const manyConnections: AlertRule = {
  id: 'too-many-connections',
  description: 'more than 5 connections',
  metric: 'connections.total',
  comparison: '>',
  threshold: 5,
  forMs: 0,
  hysteresis: 0.1,
  severity: 'critical',
  enabled: true,
};

describe('GET /admin/alerts', () => {
  it('starts with the default rules and nothing active', async () => {
    edge = makeEdge();
    await flushNode(edge.store, snapshotOf('node-a'));
    await edge.aggregator.aggregator.tick();
    const body = await json(await edge.app.request('/admin/alerts', { headers: admin }));
    expect(body.rulesSource).toBe('default');
    expect((body.rules as AlertRule[]).map((r) => r.id)).toEqual(defaultAlertRules().map((r) => r.id));
    expect(body.active).toEqual([]);
  });
});

describe('PUT /admin/alerts/rules', () => {
  it('stores the rules, and the next tick fires them into active alerts, history and /health', async () => {
    edge = makeEdge();
    await flushNode(edge.store, snapshotOf('node-a', { gauges: { connections: 9 } }));
    const res = await put([manyConnections]);
    expect(res.status).toBe(200);
    expect(await edge.store.forCluster('default').readAlertRules()).toEqual([manyConnections]);

    await edge.aggregator.aggregator.tick();
    const body = await json(await edge.app.request('/admin/alerts', { headers: admin }));
    expect(body.rulesSource).toBe('stored');
    expect(body.active).toMatchObject([{ ruleId: 'too-many-connections', phase: 'firing', value: 9 }]);
    expect(body.history).toMatchObject([{ ruleId: 'too-many-connections', from: 'inactive', to: 'firing' }]);

    const health = await edge.app.request('/health');
    expect(health.status).toBe(503);
  });

  it('rejects invalid rules with the index and field of each problem', async () => {
    edge = makeEdge();
    const res = await put([
      { ...manyConnections, threshold: 'five' },
      { ...manyConnections, metric: 'connections.totl' },
      manyConnections,
    ]);
    expect(res.status).toBe(400);
    const body = await json(res);
    expect(body.errors).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ path: '[0].threshold' }),
        expect.objectContaining({ path: '[1].metric' }),
      ]),
    );
    const dup = await json(await put([manyConnections, manyConnections]));
    expect(dup.detail).toContain("body[1].id: duplicate rule id 'too-many-connections'");
    expect((await put({ rules: [] })).status).toBe(400);
  });
});

describe('isAlertableMetric', () => {
  it('accepts derived metrics, numeric and boolean paths and count maps; refuses the rest', () => {
    for (const rule of defaultAlertRules()) expect(isAlertableMetric(rule.metric), rule.metric).toBe(true);
    expect(isAlertableMetric('events.latency.p95')).toBe(true);
    expect(isAlertableMetric('redis.connected')).toBe(true);
    expect(isAlertableMetric('events.by_type.heartbeat')).toBe(true);
    expect(isAlertableMetric('rooms.largest')).toBe(false);
    expect(isAlertableMetric('connections')).toBe(false);
    expect(isAlertableMetric('nope.nothing')).toBe(false);
  });
});
