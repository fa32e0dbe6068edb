import { afterEach, describe, expect, it } from 'vitest';
import { admin, type Edge, flushNode, json, makeEdge, snapshotOf, socketOf } from '../../test/harness.ts';

const VIEWER_TOKEN = 'viewer-token-0123456789';
const viewer = { authorization: `Bearer ${VIEWER_TOKEN}` };

let edge: Edge;
afterEach(async () => {
  await edge?.stop();
});

async function cluster() {
  edge = makeEdge({ env: { VIEWER_TOKEN } });
  await flushNode(edge.store, snapshotOf('node-a'), [socketOf('s-a1', 'node-a', { userId: 'u1' })]);
  await edge.aggregator.aggregator.tick();
}

const send = (method: string, path: string, headers: Record<string, string>, body?: unknown) =>
  edge.app.request(path, {
    method,
    headers: { ...headers, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });

describe('the viewer role', () => {
  it('says who the credential is and whether it may act', async () => {
    await cluster();
    expect(await json(await send('GET', '/admin/session', viewer))).toEqual({
      actor: 'viewer-token',
      role: 'viewer',
      canAct: false,
    });
    expect(await json(await send('GET', '/admin/session', admin))).toEqual({
      actor: 'admin-token',
      role: 'admin',
      canAct: true,
    });
  });

  it('reads every admin view', async () => {
    await cluster();
    for (const path of [
      '/admin/nodes',
      '/admin/connections',
      '/admin/rooms',
      '/admin/commands',
      '/admin/alerts',
    ]) {
      const res = await send('GET', path, viewer);
      expect(res.status, path).toBe(200);
    }
    expect((await send('GET', '/metrics?fresh=1', viewer)).status).toBe(200);
  });

  it('gets a 403 naming the role needed for every command, and nothing runs', async () => {
    await cluster();
    const attempts: [string, string, unknown?][] = [
      ['POST', '/admin/disconnect/s-a1'],
      ['POST', '/admin/users/u1/disconnect'],
      ['POST', '/admin/broadcast', { namespace: '/portal', event: 'x' }],
      ['POST', '/admin/maintenance', { enabled: true }],
      ['PUT', '/admin/rate-limits', { perSocket: null, perUser: null }],
      ['POST', '/admin/disconnect-all'],
      ['POST', '/admin/sockets/s-a1/join', { room: 'r:1' }],
      ['POST', '/admin/sockets/s-a1/emit', { event: 'x' }],
      ['PUT', '/admin/alerts/rules', []],
    ];
    for (const [method, path, body] of attempts) {
      const res = await send(method, path, viewer, body);
      expect(res.status, `${method} ${path}`).toBe(403);
      expect(res.headers.get('content-type')).toBe('application/problem+json');
      expect((await json(res)).detail).toBe(
        "'viewer-token' has role 'viewer', which may only read; this needs role 'admin'",
      );
    }
    const audit = (await json(await send('GET', '/admin/commands', admin))) as { items: unknown[] };
    expect(audit.items).toEqual([]);
  });
});
