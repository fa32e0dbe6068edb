import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually } from '../../../socket-node/test/support/clients.ts';
import { ClusterUnderWrangler } from './cluster-under-wrangler.ts';

/**
 * Silences and the SLO served by the Worker in real workerd: the Durable Object keeps both in its
 * SQLite (alert_documents) and answers them over RPC.
 */
let cluster: ClusterUnderWrangler;

const admin = () => ({ authorization: `Bearer ${cluster.adminToken}`, 'content-type': 'application/json' });
const call = async (method: string, path: string, body?: unknown) => {
  const res = await fetch(`${cluster.url}${path}`, {
    method,
    headers: admin(),
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
};

describe('silences and the SLO on the Worker', { timeout: 60_000 }, () => {
  beforeAll(async () => {
    cluster = await ClusterUnderWrangler.start('slo-wrangler');
    await cluster.startSocketNode('node-s1');
    await cluster.startWorker();
  }, 90_000);

  afterAll(async () => {
    await cluster?.stop();
  }, 30_000);

  it('creates, lists and expires a silence, and reports it on /admin/alerts', async () => {
    const created = await call('POST', '/admin/silences', {
      ruleId: 'node-lost',
      durationMs: 600_000,
      comment: 'replacing a node',
    });
    expect(created.status).toBe(201);
    const { id } = created.body.silence as { id: string };
    expect((await call('GET', '/admin/silences')).body.silences).toEqual([
      expect.objectContaining({ id, status: 'active', createdBy: 'admin-token' }),
    ]);
    expect((await call('GET', '/admin/alerts')).body.silences).toEqual([expect.objectContaining({ id })]);
    const expired = await call('DELETE', `/admin/silences/${id}`);
    expect(expired.status).toBe(200);
    expect(expired.body.silence).toMatchObject({ status: 'expired', expiredBy: 'admin-token' });
    expect((await call('DELETE', `/admin/silences/${id}`)).status).toBe(409);
    expect((await call('POST', '/admin/silences', { durationMs: 600_000, comment: 'x' })).status).toBe(400);
    // The Worker writes each through the Upstash store's audit stream; the invalid body wrote nothing.
    const audit = (await call('GET', '/admin/commands?limit=10')).body.items as Record<string, unknown>[];
    expect(
      audit.map(({ kind, action, subject, actor, outcome }) => ({ kind, action, subject, actor, outcome })),
    ).toEqual([
      { kind: 'action', action: 'silence-expire', subject: id, actor: 'admin-token', outcome: 'refused' },
      { kind: 'action', action: 'silence-expire', subject: id, actor: 'admin-token', outcome: 'applied' },
      { kind: 'action', action: 'silence-create', subject: id, actor: 'admin-token', outcome: 'applied' },
    ]);
  });

  it('counts good ticks toward the SLO and shows the budget on /admin/slo and /metrics', async () => {
    const slo = await eventually(
      async () => {
        const { body } = await call('GET', '/admin/slo');
        return (body.good as number) >= 2 ? body : null;
      },
      15_000,
      'two good ticks counted',
    );
    expect(slo).toMatchObject({
      target: 0.999,
      windowMs: 2_592_000_000,
      bad: 0,
      availability: 1,
      errorBudgetRemaining: 1,
    });
    const text = await (
      await fetch(`${cluster.url}/metrics`, { headers: { accept: 'text/plain;version=0.0.4' } })
    ).text();
    expect(text).toContain('telltale_slo_error_budget_remaining_ratio 1');
    expect(text).toMatch(/^telltale_slo_burn_rate\{window="5m"\} 0$/m);
  });
});
