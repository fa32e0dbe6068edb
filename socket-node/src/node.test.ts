import { ClusterView } from '@telltale/shared';
import { createMemoryStore, type MemoryStore } from '@telltale/shared/store/memory';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  type Claims,
  closeAll,
  collect,
  eventually,
  next,
  openAs,
  refusal,
  TEST_SECRET,
  token,
} from '../test/support/clients.ts';
import { testSettings } from '../test/support/node.ts';
import { publishBusinessEvent } from './chat/business-events.ts';
import { silentLogger } from './instrument/log.ts';
import { type SocketNode, startSocketNode } from './node.ts';

let node: SocketNode;
let store: MemoryStore;

beforeAll(async () => {
  store = createMemoryStore();
  node = await startSocketNode(testSettings({ nodeId: 'solo' }), { store, log: silentLogger });
});
afterAll(async () => {
  closeAll();
  await node.close();
});
afterEach(() => closeAll());

const ws = { transports: ['websocket'] };
const as = (namespace: string, claims: Claims) => openAs(`${node.url}${namespace}`, claims);

describe('authentication at the handshake', () => {
  it('answers each failure with its own connect_error and counts it', async () => {
    const before = node.instrumentation.snapshot().counters.authFailures;
    const url = `${node.url}/hub`;
    expect(await refusal(url, ws)).toBe('authentication failed: missing token (send it as auth.token)');
    const expired = await token(
      { sub: 'a1', role: 'attendant' },
      { expiresIn: Math.floor(Date.now() / 1000) - 10 },
    );
    expect(await refusal(url, { ...ws, auth: { token: expired } })).toBe(
      'authentication failed: token expired',
    );
    const forged = await token({ sub: 'a1', role: 'admin' }, { secret: `${TEST_SECRET}-forged` });
    expect(await refusal(url, { ...ws, auth: { token: forged } })).toBe(
      'authentication failed: bad token signature',
    );
    const client = await token({ sub: 'c1', role: 'client' });
    expect(await refusal(url, { ...ws, auth: { token: client } })).toBe(
      "forbidden: role 'client' may not connect to /hub (needs attendant or admin)",
    );
    expect(node.instrumentation.snapshot().counters.authFailures - before).toBe(4);
  });

  it.each([
    ['/hub', 'client', false],
    ['/hub', 'attendant', true],
    ['/hub', 'admin', true],
    ['/portal', 'client', true],
    ['/portal', 'attendant', true],
    ['/admin', 'client', false],
    ['/admin', 'attendant', false],
    ['/admin', 'admin', true],
  ] as const)('%s with role %s → allowed: %s', async (namespace, role, allowed) => {
    const attempt = as(namespace, { sub: `${role}-1`, role });
    if (allowed) expect((await attempt).connected).toBe(true);
    else await expect(attempt).rejects.toThrow(`forbidden: role '${role}' may not connect to ${namespace}`);
  });

  it('refuses the default namespace', async () => {
    expect(await refusal(node.url, ws)).toBe('connect to /hub, /portal or /admin');
  });
});

describe('the event catalogue', () => {
  it('lets a portal client join only the threads of its token', async () => {
    const client = await as('/portal', { sub: 'c1', role: 'client', threads: ['t1'] });
    expect(await client.emitWithAck('join:thread', { threadId: 't1' })).toEqual({ ok: true });
    expect(await client.emitWithAck('join:thread', { threadId: 't2' })).toEqual({
      ok: false,
      error: "not allowed to join thread t2: it is not in your token's threads",
    });
    const staff = await as('/hub', { sub: 'a1', role: 'attendant' });
    expect(await staff.emitWithAck('join:thread', { threadId: 't2' })).toEqual({ ok: true });
  });

  it('answers a bad payload with an error ack, counts it, and keeps the socket', async () => {
    const before = node.instrumentation.snapshot().counters.invalidPayloads;
    const staff = await as('/hub', { sub: 'a1', role: 'attendant' });
    expect(await staff.emitWithAck('join:thread', { threadId: 42 })).toEqual({
      ok: false,
      error: 'invalid join:thread payload: threadId: Invalid input: expected string, received number',
    });
    expect(await staff.emitWithAck('typing:start', 'nonsense')).toMatchObject({ ok: false });
    staff.emit('join:thread');
    expect(await staff.emitWithAck('heartbeat')).toEqual({ ok: true });
    expect(node.instrumentation.snapshot().counters.invalidPayloads - before).toBe(3);
    expect(staff.connected).toBe(true);
  });

  it('relays typing to the thread on both sides, not to the typist', async () => {
    const client = await as('/portal', { sub: 'c1', role: 'client', threads: ['t7'] });
    const attendant = await as('/hub', { sub: 'a1', role: 'attendant' });
    const colleague = await as('/hub', { sub: 'a2', role: 'attendant' });
    for (const socket of [client, attendant, colleague])
      await socket.emitWithAck('join:thread', { threadId: 't7' });
    const mine = collect(client, 'thread:typing');
    const seenByAttendant = next(attendant, 'thread:typing');
    const seenByColleague = next(colleague, 'thread:typing');
    expect(await client.emitWithAck('typing:start', { threadId: 't7' })).toEqual({ ok: true });
    expect(await seenByAttendant).toEqual({ threadId: 't7', userId: 'c1', typing: true });
    expect(await seenByColleague).toEqual({ threadId: 't7', userId: 'c1', typing: true });
    const seenByClient = next(client, 'thread:typing');
    await attendant.emitWithAck('typing:stop', { threadId: 't7' });
    expect(await seenByClient).toEqual({ threadId: 't7', userId: 'a1', typing: false });
    expect(mine).toHaveLength(1);
    expect(await colleague.emitWithAck('typing:start', { threadId: 'elsewhere' })).toMatchObject({
      ok: false,
    });
  });

  it('announces attendants going online, away and offline to presence:attendants', async () => {
    const watcher = await as('/hub', { sub: 'watcher', role: 'admin' });
    const statuses = collect<{ userId: string }>(watcher, 'attendant:online');
    const isA9 = (s: { userId: string }) => s.userId === 'a9';
    const away = next(watcher, 'attendant:away', 3000, isA9);
    const attendant = await as('/hub', { sub: 'a9', role: 'attendant' });
    await eventually(() => statuses.some((s) => s.userId === 'a9'), 2000, 'attendant:online');
    await attendant.emitWithAck('presence:away');
    expect((await away).userId).toBe('a9');
    const offline = next(watcher, 'attendant:offline', 3000, isA9);
    attendant.close();
    expect((await offline).userId).toBe('a9');
  });

  it('does not announce portal clients to the staff', async () => {
    const watcher = await as('/hub', { sub: 'watcher2', role: 'attendant' });
    const seen = collect<{ userId: string }>(watcher, 'attendant:online');
    await as('/portal', { sub: 'c5', role: 'client' });
    expect(node.presence.statusOf('c5')).toBe('online');
    // Sentinel: an attendant who comes online after c5 is announced on the same socket, after c5 would be.
    await as('/hub', { sub: 'a-after-c5', role: 'attendant' });
    await eventually(() => seen.some((s) => s.userId === 'a-after-c5'), 3000, 'sentinel announced');
    expect(seen.filter((s) => s.userId === 'c5')).toEqual([]);
  });
});

describe('business events', () => {
  it('reach the rooms they address, and a malformed one is counted, not fatal', async () => {
    const client = await as('/portal', { sub: 'c1', role: 'client', threads: ['t3'] });
    const attendant = await as('/hub', { sub: 'a3', role: 'attendant' });
    await client.emitWithAck('join:thread', { threadId: 't3' });
    await attendant.emitWithAck('join:thread', { threadId: 't3' });
    const clientGot = next(client, 'thread:message');
    const attendantGot = next(attendant, 'thread:message');
    await publishBusinessEvent(store, 'test', {
      event: 'thread:message',
      rooms: ['thread:t3'],
      data: { threadId: 't3', text: 'hi' },
    });
    expect(await clientGot).toEqual({ threadId: 't3', text: 'hi' });
    expect(await attendantGot).toEqual({ threadId: 't3', text: 'hi' });

    const privately = next(attendant, 'queue:new');
    await publishBusinessEvent(store, 'test', {
      event: 'queue:new',
      user: 'a3',
      namespace: '/hub',
      data: { threadId: 't9' },
    });
    expect(await privately).toEqual({ threadId: 't9' });

    const before = node.instrumentation.snapshot().counters.businessEventsRejected;
    await store.forCluster('test').publishEvent('{"event":"thread:message","rooms":["thread:t3"]}');
    await store.forCluster('test').publishEvent('garbage');
    await expect(
      publishBusinessEvent(store, 'test', { event: 'chat:accepted', data: { threadId: 't3' } }),
    ).rejects.toThrow('needs rooms or user');
    await eventually(
      () => node.instrumentation.snapshot().counters.businessEventsRejected - before === 2,
      2000,
      'rejections counted',
    );
    expect(client.connected).toBe(true);
  });
});

describe('/admin and HTTP', () => {
  it('answers metrics:request with the cluster view and pushes metrics:update after a flush', async () => {
    const admin = await as('/admin', { sub: 'root', role: 'admin' });
    await as('/hub', { sub: 'a4', role: 'attendant' });
    await node.instrumentation.flushNow();
    const snapshot = next<unknown>(admin, 'metrics:snapshot');
    const ack = await admin.emitWithAck('metrics:request');
    expect(ack.ok).toBe(true);
    const view = ClusterView.parse(await snapshot);
    expect(view.nodes.list.map((n) => n.id)).toEqual(['solo']);
    expect(view.connections.total).toBe(2);
    expect(view.connections.hub).toBe(1);

    const update = next<unknown>(admin, 'metrics:update');
    await node.instrumentation.flushNow();
    expect(ClusterView.parse(await update).cluster).toBe('test');
  });

  it('serves /health, /health/live, /health/ready and /metrics', async () => {
    await as('/portal', { sub: 'c8', role: 'client' });
    expect(await (await fetch(`${node.url}/health`)).json()).toEqual({ status: 'healthy' });
    expect((await fetch(`${node.url}/health/live`)).status).toBe(200);
    expect(await (await fetch(`${node.url}/health/ready`)).json()).toEqual({ ready: true });

    const json = await fetch(`${node.url}/metrics`);
    expect(json.headers.get('content-type')).toContain('application/json');
    const view = ClusterView.parse(await json.json());
    expect(view.connections.portal).toBe(1);

    const text = await fetch(`${node.url}/metrics`, { headers: { accept: 'text/plain;version=0.0.4' } });
    expect(text.headers.get('content-type')).toContain('text/plain');
    expect(await text.text()).toMatch(/^# HELP /m);
    expect((await fetch(`${node.url}/metrics?format=openmetrics`)).headers.get('content-type')).toContain(
      'openmetrics',
    );
    expect((await fetch(`${node.url}/metrics?format=xml`)).status).toBe(400);
    expect((await fetch(`${node.url}/nope`)).status).toBe(404);

    node.instrumentation.setMaintenance(true, 'migrating');
    const health = await fetch(`${node.url}/health`);
    expect(health.status).toBe(503);
    expect(await health.json()).toEqual({ status: 'maintenance', reason: 'maintenance mode: migrating' });
    expect((await fetch(`${node.url}/health/ready`)).status).toBe(503);
    expect((await fetch(`${node.url}/health/live`)).status).toBe(200);
    node.instrumentation.setMaintenance(false);
    expect((await fetch(`${node.url}/health/ready`)).status).toBe(200);
  });
});
