import { randomUUID } from 'node:crypto';
import {
  type CommandAck,
  clusterKeys,
  mergeCluster,
  NodeSnapshot,
  type TelltaleStore,
} from '@telltale/shared';
import { createIoredisStore } from '@telltale/shared/store/ioredis';
import { recordedAcks } from '@telltale/shared/testing';
import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type RedisProcess, startRedis } from '../../../test/support/redis.ts';
import { publishBusinessEvent } from '../../src/chat/business-events.ts';
import { silentLogger } from '../../src/instrument/log.ts';
import { type SocketNode, startSocketNode } from '../../src/node.ts';
import {
  type Claims,
  closeAll,
  collect,
  eventually,
  next,
  openAs,
  refusal,
  token,
} from '../support/clients.ts';
import { testSettings } from '../support/node.ts';

const CLUSTER = 'itest';
const INTERVAL = 400;

let redis: RedisProcess;
let a: SocketNode;
let b: SocketNode;
let backbone: Redis;
let edge: TelltaleStore;

beforeAll(async () => {
  redis = await startRedis();
  const settings = (nodeId: string) =>
    testSettings({
      nodeId,
      cluster: CLUSTER,
      redisUrl: redis.url,
      flushIntervalMs: INTERVAL,
      presence: { heartbeatMs: 5000, graceMs: 300, ttlMs: 30_000 },
    });
  a = await startSocketNode(settings('node-a'), { log: silentLogger });
  b = await startSocketNode(settings('node-b'), { log: silentLogger });
  backbone = new Redis(redis.url);
  edge = createIoredisStore(redis.url);
});

afterAll(async () => {
  closeAll();
  await Promise.all([a?.close(), b?.close()]);
  await edge?.close();
  backbone?.disconnect();
  await redis?.stop();
});

afterEach(() => {
  closeAll();
  a.instrumentation.setMaintenance(false);
  b.instrumentation.setMaintenance(false);
  a.instrumentation.setRateLimits({ perSocket: null, perUser: null });
  b.instrumentation.setRateLimits({ perSocket: null, perUser: null });
});

const on = (node: SocketNode, namespace: string, claims: Claims) => openAs(`${node.url}${namespace}`, claims);

async function command(body: Record<string, unknown>, target = '*'): Promise<CommandAck[]> {
  const id = randomUUID();
  await edge.forCluster(CLUSTER).publishCommand(
    {
      id,
      cluster: CLUSTER,
      actor: 'test',
      issuedAt: Date.now(),
      expiresAt: Date.now() + 2000,
      command: body as never,
    },
    target === '*' ? { to: 'live-nodes' } : { to: 'node', nodeId: target },
  );
  const expected = target === '*' ? 2 : 1;
  return eventually(
    async () => {
      const acks = await recordedAcks(edge.forCluster(CLUSTER), id);
      return acks.length === expected ? acks.sort((x, y) => x.nodeId.localeCompare(y.nodeId)) : undefined;
    },
    3000,
    `acks for ${body.type}`,
  );
}

async function clusterView() {
  const read = await edge.forCluster(CLUSTER).readCluster();
  return mergeCluster(read, Date.now(), {
    cluster: CLUSTER,
    intervalMs: INTERVAL,
  });
}

describe('two nodes on one Redis', () => {
  it('deliver a business event to its rooms on both nodes, exactly once per client', async () => {
    const clientOnA = await on(a, '/portal', { sub: 'c1', role: 'client', threads: ['t1'] });
    const attendantOnB = await on(b, '/hub', { sub: 'a1', role: 'attendant' });
    await clientOnA.emitWithAck('join:thread', { threadId: 't1' });
    await attendantOnB.emitWithAck('join:thread', { threadId: 't1' });
    const gotA = collect(clientOnA, 'thread:message');
    const gotB = collect(attendantOnB, 'thread:message');
    await publishBusinessEvent(backbone, CLUSTER, {
      event: 'thread:message',
      rooms: ['thread:t1'],
      data: { threadId: 't1', text: 'hello' },
    });
    // Sentinel: a second event on the same channel; once it is in, any duplicate of the first is too.
    await publishBusinessEvent(backbone, CLUSTER, {
      event: 'thread:message',
      rooms: ['thread:t1'],
      data: { threadId: 't1', text: 'sentinel' },
    });
    await eventually(
      () => [gotA, gotB].every((got) => got.some((m) => (m as { text: string }).text === 'sentinel')),
      3000,
      'sentinel delivered on both nodes',
    );
    const expected = [
      { threadId: 't1', text: 'hello' },
      { threadId: 't1', text: 'sentinel' },
    ];
    expect(gotA).toEqual(expected);
    expect(gotB).toEqual(expected);
  });

  it('carry a client broadcast (typing) across nodes through the Redis adapter', async () => {
    const clientOnA = await on(a, '/portal', { sub: 'c2', role: 'client', threads: ['t2'] });
    const attendantOnB = await on(b, '/hub', { sub: 'a2', role: 'attendant' });
    await clientOnA.emitWithAck('join:thread', { threadId: 't2' });
    await attendantOnB.emitWithAck('join:thread', { threadId: 't2' });
    const typing = next(attendantOnB, 'thread:typing');
    await clientOnA.emitWithAck('typing:start', { threadId: 't2' });
    expect(await typing).toEqual({ threadId: 't2', userId: 'c2', typing: true });
  });

  it('count one user with tabs on both nodes once, and announce offline only when both are gone', async () => {
    // Users of earlier tests are past their grace period: the presence counts below are this test's.
    const present = (node: SocketNode) => {
      const { online, away } = node.presence.snapshot();
      return online.length + away.length;
    };
    await eventually(() => present(a) + present(b) === 0, 3000, 'earlier users offline');
    const watcher = await on(a, '/hub', { sub: 'watcher', role: 'admin' });
    const isA5 = (s: { userId: string }) => s.userId === 'a5';
    const onlines = collect<{ userId: string }>(watcher, 'attendant:online');
    const offlines = collect<{ userId: string }>(watcher, 'attendant:offline');
    const tabA = await on(a, '/hub', { sub: 'a5', role: 'attendant' });
    await eventually(() => onlines.some(isA5), 3000, 'online announced');
    const tabB = await on(b, '/hub', { sub: 'a5', role: 'attendant' });
    await eventually(
      async () => Object.keys((await edge.forCluster(CLUSTER).getPresence('a5'))?.nodes ?? {}).length === 2,
    );
    await Promise.all([a.instrumentation.flushNow(), b.instrumentation.flushNow()]);
    const records = await edge.forCluster(CLUSTER).readNodes();
    const view = await clusterView();
    const flushed = Object.fromEntries(
      records.map((r) => [r.nodeId, NodeSnapshot.parse(JSON.parse(r.raw ?? 'null')).presence.online]),
    );
    expect(flushed).toEqual({ 'node-a': 2, 'node-b': 1 });
    // a5 has a tab on each node and counts once: a5 and the watcher.
    expect(view.presence.online).toBe(2);

    tabA.close();
    // Node a's grace ran out once it withdrew its share; b still holds a5.
    await eventually(
      async () =>
        JSON.stringify((await edge.forCluster(CLUSTER).getPresence('a5'))?.nodes) === '{"node-b":1}',
      3000,
      "node a's share of a5 withdrawn",
    );
    // Sentinel: a user who comes online on node a later is announced on the watcher's socket after
    // anything node a decided about a5.
    await on(a, '/hub', { sub: 'a5-sentinel', role: 'attendant' });
    await eventually(() => onlines.some((s) => s.userId === 'a5-sentinel'), 3000, 'sentinel announced');
    expect(offlines.filter(isA5)).toEqual([]);
    tabB.close();
    await eventually(() => offlines.some(isA5), 3000, 'offline announced');
    expect(onlines.filter(isA5)).toHaveLength(1);
    expect(offlines.filter(isA5)).toHaveLength(1);
  });

  it('flush snapshots whose connection counts equal the clients connected', async () => {
    const sockets = await Promise.all([
      on(a, '/hub', { sub: 'a10', role: 'attendant' }),
      on(a, '/portal', { sub: 'c10', role: 'client' }),
      on(a, '/portal', { sub: 'c11', role: 'client' }),
      on(b, '/portal', { sub: 'c12', role: 'client' }),
      on(b, '/admin', { sub: 'root', role: 'admin' }),
    ]);
    await eventually(
      async () => {
        const view = await clusterView();
        return view.connections.total === sockets.length && view.nodes.live === 2;
      },
      3000,
      'flushed counts',
    );
    const view = await clusterView();
    expect(view.connections).toMatchObject({ total: 5, hub: 1, portal: 3 });
    expect(view.connections.by_namespace['/admin']).toBe(1);
    const listed = await edge.forCluster(CLUSTER).listSockets({ limit: 100 });
    expect(listed.items.map((s) => s.id).sort()).toEqual(sockets.map((s) => s.id).sort());
  });

  it('set a TTL on every key a node writes', async () => {
    const attendant = await on(a, '/hub', { sub: 'a20', role: 'attendant' });
    await on(b, '/portal', { sub: 'c20', role: 'client' });
    await command({ type: 'disconnect-socket', socketId: 'nobody-here' });
    await attendant.emitWithAck('heartbeat');
    await Promise.all([a.instrumentation.flushNow(), b.instrumentation.flushNow()]);
    const keys = await backbone.keys(`${clusterKeys(CLUSTER).prefix}:*`);
    const kinds = new Set(keys.map((key) => key.split(':').slice(2, 3)[0]));
    expect([...kinds].sort()).toEqual([
      'ack',
      'ledger',
      'node',
      'nodes',
      'presence',
      'rooms',
      'totals',
      'users',
    ]);
    for (const key of keys) {
      const ttl = await backbone.pttl(key);
      expect(ttl, key).toBeGreaterThan(0);
    }
  });

  it('execute every command on the right nodes and ack it with what was done', async () => {
    const u1a = await on(a, '/hub', { sub: 'u1', role: 'attendant' });
    const u1b = await on(b, '/portal', { sub: 'u1', role: 'client' });
    const other = await on(b, '/hub', { sub: 'u2', role: 'attendant' });
    await other.emitWithAck('join:thread', { threadId: 'b1' });
    await u1a.emitWithAck('join:thread', { threadId: 'b1' });

    const notices = collect(other, 'notice');
    const broadcast = await command({
      type: 'broadcast',
      namespace: '/hub',
      room: 'thread:b1',
      event: 'notice',
      data: 1,
    });
    expect(broadcast.map((x) => [x.nodeId, x.ok, x.affected])).toEqual([
      ['node-a', true, 1],
      ['node-b', true, 1],
    ]);
    // Sentinel: a second broadcast; once it is in, any duplicate of the first is too.
    await command({ type: 'broadcast', namespace: '/hub', room: 'thread:b1', event: 'notice', data: 2 });
    await eventually(() => notices.includes(2), 2000, 'broadcasts delivered');
    expect(notices).toEqual([1, 2]);

    await eventually(
      async () =>
        (await edge.forCluster(CLUSTER).listSockets({ nodeId: 'node-b', limit: 500 })).items.some(
          (x) => x.id === other.id,
        ),
      3000,
      'owner',
    );
    const gone = next<string>(other, 'disconnect');
    const targeted = await command({ type: 'disconnect-socket', socketId: other.id }, 'node-b');
    expect(targeted).toMatchObject([{ nodeId: 'node-b', ok: true, affected: 1 }]);
    expect(await gone).toBe('io server disconnect');

    const user = await command({ type: 'disconnect-user', userId: 'u1' });
    expect(user.map((x) => x.affected)).toEqual([1, 1]);
    await eventually(() => !u1a.connected && !u1b.connected, 2000, 'user disconnected on both nodes');

    const limits = await command({
      type: 'rate-limit',
      perSocket: { limit: 2, windowMs: 60_000 },
      perUser: null,
    });
    expect(limits.every((x) => x.ok)).toBe(true);
    const limited = await on(b, '/hub', { sub: 'u3', role: 'attendant' });
    expect(await limited.emitWithAck('heartbeat')).toEqual({ ok: true });
    expect(await limited.emitWithAck('heartbeat')).toEqual({ ok: true });
    expect(await limited.emitWithAck('heartbeat')).toMatchObject({
      ok: false,
      error: expect.stringMatching(/^rate limited/),
    });
    expect(b.instrumentation.snapshot().counters.rateLimited).toBeGreaterThanOrEqual(1);
    await command({ type: 'rate-limit', perSocket: null, perUser: null });

    const maintenance = await command({ type: 'maintenance', enabled: true, message: 'deploying v2' });
    expect(maintenance.map((x) => x.ok)).toEqual([true, true]);
    for (const node of [a, b]) {
      expect(
        await refusal(`${node.url}/hub`, {
          transports: ['websocket'],
          auth: { token: await token({ sub: 'x', role: 'admin' }) },
        }),
      ).toBe('server is in maintenance mode: deploying v2');
      expect((await fetch(`${node.url}/health/ready`)).status).toBe(503);
    }
    expect(limited.connected).toBe(true);
    await command({ type: 'maintenance', enabled: false });
    expect((await fetch(`${a.url}/health/ready`)).status).toBe(200);

    await on(a, '/portal', { sub: 'u4', role: 'client' });
    const all = await command({ type: 'disconnect-all', reason: 'drill' });
    expect(all.map((x) => x.affected)).toEqual([1, 1]);
    await eventually(
      () => a.instrumentation.sockets.size + b.instrumentation.sockets.size === 0,
      2000,
      'all gone',
    );

    const rejected = a.instrumentation.snapshot().counters.commandsRejected;
    await backbone.publish(
      clusterKeys(CLUSTER).nodeCommands(a.instrumentation.nodeId),
      '{"id":"x","command":{"type":"reboot"}}',
    );
    await eventually(
      () => a.instrumentation.snapshot().counters.commandsRejected === rejected + 1,
      2000,
      'rejected',
    );
  });
});
