import { AuditEntry, CommandAuditEntry, type CommandResult } from '@telltale/shared';
import { SignJWT } from 'jose';
import { afterEach, describe, expect, it } from 'vitest';
import {
  admin,
  type Edge,
  type FakeNode,
  fakeNode,
  flushNode,
  JWT_SECRET,
  json,
  makeEdge,
  snapshotOf,
  socketOf,
} from '../../test/harness.ts';

let edge: Edge;
let nodes: FakeNode[] = [];
afterEach(async () => {
  for (const n of nodes) await n.stop();
  nodes = [];
  await edge?.stop();
});

const post = (path: string, body?: unknown, headers: Record<string, string> = admin) =>
  edge.app.request(path, {
    method: 'POST',
    headers: { ...headers, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });

/** Two live nodes; node-b holds socket s-b1 of user u2. */
async function cluster(options: { silentB?: boolean; env?: Record<string, string> } = {}) {
  edge = makeEdge({ env: options.env });
  await flushNode(edge.store, snapshotOf('node-a'), [socketOf('s-a1', 'node-a')]);
  await flushNode(edge.store, snapshotOf('node-b'), [socketOf('s-b1', 'node-b', { userId: 'u2' })]);
  const affected = (nodeId: string) => (e: { command: { type: string; userId?: string } }) =>
    e.command.type === 'disconnect-user' ? (e.command.userId === 'u2' && nodeId === 'node-b' ? 1 : 0) : 1;
  nodes.push(await fakeNode(edge.store, 'node-a', { affected: affected('node-a') }));
  nodes.push(await fakeNode(edge.store, 'node-b', { silent: options.silentB, affected: affected('node-b') }));
}

describe('POST /admin/disconnect/:socketId', () => {
  it('routes to the owning node only and answers with its ack', async () => {
    await cluster();
    const res = await post('/admin/disconnect/s-b1');
    expect(res.status).toBe(200);
    const result = (await res.json()) as CommandResult;
    expect(result).toMatchObject({
      targeted: ['node-b'],
      acked: ['node-b'],
      missing: [],
      affected: 1,
      complete: true,
    });
    expect(nodes[0]!.received).toHaveLength(0);
    expect(nodes[1]!.received[0]!.target).toBe('node-b');
  });

  it('is a 404 problem for a socket no node holds, and a 400 for an id that cannot exist', async () => {
    await cluster();
    const unknown = await post('/admin/disconnect/nope');
    expect(unknown.status).toBe(404);
    expect(unknown.headers.get('content-type')).toBe('application/problem+json');
    expect((await json(unknown)).detail).toContain("socket 'nope'");

    const bad = await post('/admin/disconnect/has%20space');
    expect(bad.status).toBe(400);
    expect((await json(bad)).detail).toMatch(/^path\.socketId: /);
  });

  it('answers 207 naming the owner as missing when it does not ack by the deadline', async () => {
    await cluster({ silentB: true });
    const started = Date.now();
    const res = await post('/admin/disconnect/s-b1');
    const elapsed = Date.now() - started;
    expect(res.status).toBe(207);
    const result = (await res.json()) as CommandResult;
    expect(result).toMatchObject({ targeted: ['node-b'], acked: [], missing: ['node-b'], complete: false });
    expect(elapsed).toBeGreaterThanOrEqual(300);
    expect(elapsed).toBeLessThan(1500);
  });
});

describe('POST /admin/users/:userId/disconnect', () => {
  it('asks every live node and sums what they disconnected', async () => {
    await cluster();
    const res = await post('/admin/users/u2/disconnect');
    expect(res.status).toBe(200);
    const result = (await res.json()) as CommandResult;
    expect(result).toMatchObject({
      targeted: ['node-a', 'node-b'],
      acked: ['node-a', 'node-b'],
      affected: 1,
    });
  });

  it('is a 404 when every node answered and none had a socket of the user', async () => {
    await cluster();
    const res = await post('/admin/users/ghost/disconnect');
    expect(res.status).toBe(404);
    const body = await json(res);
    expect((body.result as CommandResult).acked).toEqual(['node-a', 'node-b']);
  });

  it('is a 207 partial answer, not a hang, when one node is down', async () => {
    await cluster({ silentB: true });
    const res = await post('/admin/users/u2/disconnect');
    expect(res.status).toBe(207);
    const result = (await res.json()) as CommandResult;
    expect(result).toMatchObject({ acked: ['node-a'], missing: ['node-b'], complete: false });
  });
});

describe('POST /admin/broadcast, /admin/maintenance, PUT /admin/rate-limits', () => {
  it('broadcasts to every node with the validated payload', async () => {
    await cluster();
    const res = await post('/admin/broadcast', {
      namespace: '/portal',
      room: 'thread:1',
      event: 'notice',
      data: { a: 1 },
    });
    expect(res.status).toBe(200);
    expect(nodes[0]!.received[0]!.command).toEqual({
      type: 'broadcast',
      namespace: '/portal',
      room: 'thread:1',
      event: 'notice',
      data: { a: 1 },
    });
    expect(nodes[0]!.received[0]!.target).toBe('*');
  });

  it('rejects a bad broadcast with every bad field named', async () => {
    await cluster();
    const res = await post('/admin/broadcast', { namespace: 'portal', event: 'bad event!' });
    expect(res.status).toBe(400);
    const body = await json(res);
    expect(body.type).toBe('urn:telltale:problem:validation');
    const paths = (body.errors as { path: string }[]).map((e) => e.path).sort();
    expect(paths).toEqual(['event', 'namespace']);
    expect(body.detail).toContain('body.namespace: must start with /');
  });

  it('turns maintenance on', async () => {
    await cluster();
    const res = await post('/admin/maintenance', { enabled: true, message: 'back soon' });
    expect(res.status).toBe(200);
    expect(nodes[1]!.received[0]!.command).toEqual({
      type: 'maintenance',
      enabled: true,
      message: 'back soon',
    });
  });

  it('sets rate limits with PUT', async () => {
    await cluster();
    const res = await edge.app.request('/admin/rate-limits', {
      method: 'PUT',
      headers: { ...admin, 'content-type': 'application/json' },
      body: JSON.stringify({ perSocket: { limit: 10, windowMs: 1000 }, perUser: null }),
    });
    expect(res.status).toBe(200);
    expect(((await res.json()) as CommandResult).command.type).toBe('rate-limit');
  });

  it('runs the emergency disconnect-all with or without a body', async () => {
    await cluster();
    const bare = await post('/admin/disconnect-all');
    expect(bare.status).toBe(200);
    expect(((await bare.json()) as CommandResult).affected).toBe(2);
    const reasoned = await post('/admin/disconnect-all', { reason: 'incident 42' });
    expect(reasoned.status).toBe(200);
    expect(nodes[0]!.received.at(-1)!.command).toEqual({ type: 'disconnect-all', reason: 'incident 42' });
  });

  it('refuses an emergency command with a mistyped field instead of running it', async () => {
    await cluster();
    const typo = await post('/admin/disconnect-all', { resaon: 'incident 42' });
    expect(typo.status).toBe(400);
    expect((await json(typo)).detail).toMatch(/resaon/);
    const maintenance = await post('/admin/maintenance', { enabled: true, mesage: 'x' });
    expect(maintenance.status).toBe(400);
    expect(nodes[0]!.received).toHaveLength(0);
  });

  it('answers 503 when no node is live to run it', async () => {
    edge = makeEdge();
    const res = await post('/admin/maintenance', { enabled: true });
    expect(res.status).toBe(503);
    expect((await json(res)).type).toBe('urn:telltale:problem:no-live-node');
  });
});

describe('malformed bodies', () => {
  it('415 without a JSON content type, 400 for broken JSON, 400 for a non-object, 413 when too large', async () => {
    await cluster();
    const text = await edge.app.request('/admin/maintenance', {
      method: 'POST',
      headers: { ...admin, 'content-type': 'text/plain' },
      body: 'enabled',
    });
    expect(text.status).toBe(415);
    expect(text.headers.get('content-type')).toBe('application/problem+json');

    const broken = await edge.app.request('/admin/maintenance', {
      method: 'POST',
      headers: { ...admin, 'content-type': 'application/json' },
      body: '{"enabled":',
    });
    expect(broken.status).toBe(400);
    expect((await json(broken)).title).toBe('Malformed JSON');

    const array = await post('/admin/maintenance', [true]);
    expect(array.status).toBe(400);

    const huge = await post('/admin/broadcast', {
      namespace: '/portal',
      event: 'x',
      data: 'y'.repeat(70_000),
    });
    expect(huge.status).toBe(413);
    expect((await json(huge)).detail).toContain('65536 bytes');
  });
});

describe('auth and rate limits on commands', () => {
  it('401 without a token, 403 for a non-admin JWT, audit actor is the JWT sub for an admin JWT', async () => {
    await cluster();
    expect((await post('/admin/maintenance', { enabled: false }, {})).status).toBe(401);
    const key = new TextEncoder().encode(JWT_SECRET);
    const attendant = await new SignJWT({ role: 'attendant' })
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject('alice')
      .setExpirationTime('5m')
      .sign(key);
    expect(
      (await post('/admin/maintenance', { enabled: false }, { authorization: `Bearer ${attendant}` })).status,
    ).toBe(403);
    const boss = await new SignJWT({ role: 'admin' })
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject('bob')
      .setExpirationTime('5m')
      .sign(key);
    expect(
      (await post('/admin/maintenance', { enabled: false }, { authorization: `Bearer ${boss}` })).status,
    ).toBe(200);

    const audit = await json(await edge.app.request('/admin/commands', { headers: admin }));
    const [entry] = (audit.items as unknown[]).map((e) => AuditEntry.parse(e));
    expect(entry).toMatchObject({
      actor: 'bob',
      command: { type: 'maintenance', enabled: false },
      target: '*',
    });
  });

  it('refuses an admin JWT whose sub is longer than the actor limit nodes accept, and takes one at it', async () => {
    await cluster();
    const key = new TextEncoder().encode(JWT_SECRET);
    const adminNamed = (sub: string) =>
      new SignJWT({ role: 'admin' })
        .setProtectedHeader({ alg: 'HS256' })
        .setSubject(sub)
        .setExpirationTime('5m')
        .sign(key);
    const tooLong = await post('/admin/disconnect-all', undefined, {
      authorization: `Bearer ${await adminNamed('x'.repeat(201))}`,
    });
    expect(tooLong.status).toBe(401);
    expect(await json(tooLong)).toMatchObject({
      detail: "token's sub claim is 201 characters long; at most 200 are accepted",
    });
    expect(nodes[0]!.received).toHaveLength(0);

    const longest = 'y'.repeat(200);
    const bearer = { authorization: `Bearer ${await adminNamed(longest)}` };
    const res = await post('/admin/maintenance', { enabled: false }, bearer);
    expect(res.status).toBe(200);
    expect(await json(res)).toMatchObject({ acked: ['node-a', 'node-b'], missing: [] });
    expect(nodes[0]!.received[0]?.actor).toBe(longest);
  });

  it('rate limits admin mutations per actor with a 429 problem and Retry-After', async () => {
    await cluster();
    const edgeWithLimit = makeEdge({
      store: edge.store,
      deps: { adminRateLimit: { capacity: 2, refillPerSecond: 0.5 } },
    });
    const send = () =>
      edgeWithLimit.app.request('/admin/maintenance', {
        method: 'POST',
        headers: { ...admin, 'content-type': 'application/json' },
        body: '{"enabled":false}',
      });
    expect((await send()).status).toBe(200);
    expect((await send()).status).toBe(200);
    const limited = await send();
    expect(limited.status).toBe(429);
    expect(limited.headers.get('retry-after')).toBe('2');
    expect((await json(limited)).type).toBe('urn:telltale:problem:rate-limited');
    await edgeWithLimit.aggregator.stop();
  });
});

describe('GET /admin/commands', () => {
  it('lists the audit trail newest first, paginated, with results', async () => {
    await cluster({ silentB: true });
    await post('/admin/maintenance', { enabled: true });
    await post('/admin/disconnect/s-a1');
    await post('/admin/maintenance', { enabled: false });

    const first = await json(await edge.app.request('/admin/commands?limit=2', { headers: admin }));
    const items = (first.items as unknown[]).map((e) => CommandAuditEntry.parse(e));
    expect(items.map((e) => e.command.type)).toEqual(['maintenance', 'disconnect-socket']);
    expect(items[0]!.result).toMatchObject({ targeted: 2, acked: 1, missing: ['node-b'], complete: false });
    expect(items[1]!.target).toBe('node-a');
    expect(first.nextCursor).toEqual(expect.any(String));

    const next = await json(
      await edge.app.request(`/admin/commands?limit=2&cursor=${first.nextCursor as string}`, {
        headers: admin,
      }),
    );
    expect((next.items as unknown[]).length).toBe(1);
    expect(next.nextCursor).toBeNull();
  });

  it('rejects a limit over 500 and a cursor it did not issue', async () => {
    await cluster();
    expect((await edge.app.request('/admin/commands?limit=501', { headers: admin })).status).toBe(400);
    expect((await edge.app.request('/admin/commands?cursor=garbage', { headers: admin })).status).toBe(400);
  });
});
