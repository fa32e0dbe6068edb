import { afterEach, describe, expect, it } from 'vitest';
import { admin, type Edge, flushNode, json, makeEdge, snapshotOf } from '../../test/harness.ts';

let edge: Edge;
afterEach(() => edge?.stop());

const post = (path: string, body: unknown, headers: Record<string, string> = admin) =>
  edge.app.request(path, {
    method: 'POST',
    headers: { ...headers, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });

async function ticked(env: Record<string, string> = {}) {
  edge = makeEdge({ env: { EXPECTED_NODES: '1', ...env } });
  await flushNode(edge.store, snapshotOf('node-a'));
  await edge.aggregator.aggregator.tick();
}

describe('public status routes', () => {
  it('serve the page, JSON, Atom and badges with Cache-Control and no credential', async () => {
    await ticked({ STATUS_TITLE: 'Acme <status>', STATUS_LOGO_URL: 'https://cdn.example.com/logo.svg' });
    const page = await edge.app.request('/status');
    expect(page.status).toBe(200);
    expect(page.headers.get('cache-control')).toBe('public, max-age=0, s-maxage=10');
    expect(page.headers.get('content-security-policy')).toContain(
      "img-src 'self' data: https://cdn.example.com",
    );
    const html = await page.text();
    expect(html).toContain('<title>Acme &#60;status&#62;</title>');
    expect(html).toContain('All systems operational');
    expect(html).not.toContain('node-a');

    const report = await json(await edge.app.request('/status.json'));
    expect(report).toMatchObject({ status: 'pass', summary: 'All systems operational' });
    expect(JSON.stringify(report)).not.toContain('node-a');

    const feed = await edge.app.request('/status/feed.atom');
    expect(feed.headers.get('content-type')).toBe('application/atom+xml; charset=utf-8');
    expect(await feed.text()).toContain('<feed xmlns="http://www.w3.org/2005/Atom">');

    const badge = await edge.app.request('/badge/status.svg');
    expect(badge.headers.get('content-type')).toBe('image/svg+xml; charset=utf-8');
    expect(badge.headers.get('cache-control')).toBe('public, max-age=60, s-maxage=60');
    expect(await badge.text()).toContain('<title>status: operational</title>');

    // One tick measured no span yet: no uptime figure, said as such rather than 100 %.
    expect(await (await edge.app.request('/badge/uptime.svg?window=7d')).text()).toContain(
      '<title>uptime 7d: no data</title>',
    );
    expect(await json(await edge.app.request('/badge/uptime.json'))).toEqual({
      schemaVersion: 1,
      label: 'uptime 30d',
      message: 'no data',
      color: 'lightgrey',
    });
  });

  it('refuses an unknown badge window with a problem naming the choices', async () => {
    await ticked();
    const response = await edge.app.request('/badge/uptime.svg?window=1y');
    expect(response.status).toBe(400);
    expect(response.headers.get('content-type')).toBe('application/problem+json');
    expect(JSON.stringify(await response.json())).toContain('window');
  });
});

describe('admin incidents and maintenance windows', () => {
  it('announce, update and resolve an incident with the actor in its timeline, shown on the feed', async () => {
    await ticked();
    const created = await post('/admin/incidents', {
      title: 'Slow logins',
      message: 'Investigating',
      impact: 'warn',
    });
    expect(created.status).toBe(201);
    const incident = (await created.json()) as { id: string };
    const updated = await post(`/admin/incidents/${incident.id}/updates`, {
      message: 'Fixed',
      resolve: true,
    });
    expect(updated.status).toBe(200);
    expect(await updated.json()).toMatchObject({
      title: 'Slow logins',
      resolvedAt: expect.any(Number),
      timeline: [
        { kind: 'opened', author: 'admin-token', text: 'Investigating' },
        { kind: 'update', author: 'admin-token', text: 'Fixed' },
        { kind: 'resolved', author: 'admin-token' },
      ],
    });
    const list = await json(await edge.app.request('/admin/incidents?limit=5', { headers: admin }));
    expect((list.items as unknown[]).length).toBe(1);
    expect(await (await edge.app.request('/status/feed.atom')).text()).toContain('[Resolved] Slow logins');
  });

  it('answer bad input with 4xx problems: missing fields, long text, unknown ids, no credential', async () => {
    await ticked();
    const noTitle = await post('/admin/incidents', { message: 'x' });
    expect(noTitle.status).toBe(400);
    expect(JSON.stringify(await noTitle.json())).toContain('body.title');
    expect((await post('/admin/incidents', { title: 't'.repeat(201), message: 'x' })).status).toBe(400);
    expect((await post('/admin/incidents/nope/updates', { message: 'x' })).status).toBe(404);
    expect((await post('/admin/incidents/bad%20id/updates', { message: 'x' })).status).toBe(400);
    expect((await post('/admin/incidents', { title: 't', message: 'x' }, {})).status).toBe(401);
    const badStart = await post('/admin/maintenance/windows', {
      startsAt: 'tomorrow',
      durationMinutes: 30,
      message: 'm',
    });
    expect(badStart.status).toBe(400);
    expect(JSON.stringify(await badStart.json())).toContain('startsAt must be an ISO 8601 date-time');
    const tooLong = await post('/admin/maintenance/windows', {
      startsAt: 0,
      durationMinutes: 10081,
      message: 'm',
    });
    expect(tooLong.status).toBe(400);
    const gone = await edge.app.request('/admin/maintenance/windows/mw-none', {
      method: 'DELETE',
      headers: admin,
    });
    expect(gone.status).toBe(404);
  });

  it('schedule, list and delete windows, at most 50 at a time (409 past that)', async () => {
    await ticked({ ADMIN_RATE_LIMIT: '100/100', ADMIN_CLIENT_RATE_LIMIT: '100/100' });
    const startsAt = Date.now() + 3_600_000;
    for (let i = 0; i < 50; i++) {
      const r = await post('/admin/maintenance/windows', { startsAt, durationMinutes: 30, message: `w${i}` });
      expect(r.status).toBe(201);
    }
    const full = await post('/admin/maintenance/windows', {
      startsAt,
      durationMinutes: 30,
      message: 'one more',
    });
    expect(full.status).toBe(409);
    const list = await json(await edge.app.request('/admin/maintenance/windows', { headers: admin }));
    const items = list.items as { id: string }[];
    expect(items).toHaveLength(50);
    const removed = await edge.app.request(`/admin/maintenance/windows/${items[0]!.id}`, {
      method: 'DELETE',
      headers: admin,
    });
    expect(await removed.json()).toEqual({ deleted: items[0]!.id });
    expect(
      (await post('/admin/maintenance/windows', { startsAt, durationMinutes: 30, message: 'fits' })).status,
    ).toBe(201);
  });
});
