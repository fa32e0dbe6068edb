import { type AlertRule, defaultAlertRules } from '@telltale/shared';
import { afterEach, describe, expect, it } from 'vitest';
import { admin, type Edge, json, makeEdge } from '../../test/harness.ts';

let edge: Edge;
afterEach(() => edge?.stop());

const putRule = (id: string, rule: unknown) =>
  edge.app.request(`/admin/alerts/rules/${id}`, {
    method: 'PUT',
    headers: { ...admin, 'content-type': 'application/json' },
    body: JSON.stringify(rule),
  });

const rules = async () =>
  (await json(await edge.app.request('/admin/alerts', { headers: admin }))).rules as AlertRule[];

const rule: AlertRule = {
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

describe('PUT /admin/alerts/rules/:id', () => {
  it('replaces one rule and leaves the others as they were', async () => {
    edge = makeEdge();
    const before = await rules();
    const first = before[0]!;
    const res = await putRule(first.id, { ...first, threshold: 12_345 });
    expect(res.status).toBe(200);
    expect((await json(res)).added).toBe(false);
    const after = await rules();
    expect(after.map((r) => r.id)).toEqual(defaultAlertRules().map((r) => r.id));
    expect(after[0]!.threshold).toBe(12_345);
    expect(after.slice(1)).toEqual(before.slice(1));
  });

  it('adds a rule it does not know, at the end', async () => {
    edge = makeEdge();
    const res = await putRule(rule.id, rule);
    expect(res.status).toBe(200);
    expect((await json(res)).added).toBe(true);
    expect((await rules()).at(-1)).toEqual(rule);
  });

  it('is a 400 when the body names another rule or an unknown metric', async () => {
    edge = makeEdge();
    const other = await putRule('some-other-id', rule);
    expect(other.status).toBe(400);
    expect((await json(other)).detail).toContain(
      "the rule's id 'too-many-connections' is not the 'some-other-id'",
    );
    const metric = await putRule(rule.id, { ...rule, metric: 'no.such.metric' });
    expect(metric.status).toBe(400);
    expect((await rules()).map((r) => r.id)).toEqual(defaultAlertRules().map((r) => r.id));
  });
});
