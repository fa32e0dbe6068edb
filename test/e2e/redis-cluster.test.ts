import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clusterKeys, type HealthReport } from '../../shared/src/index.ts';
import { type RedisClusterProcess, startRedisCluster } from '../support/redis-cluster.ts';
import {
  ClientPool,
  EdgeProcess,
  type LoadBalancer,
  measure,
  SocketNodeProcess,
  startHaproxy,
  waitFor,
} from './harness/index.ts';

const NODE_IDS = ['node-a', 'node-b', 'node-c'];
const FLUSH_INTERVAL_MS = 500;
const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * Issue 14, "Redis Cluster, for real": three socket nodes and the Node edge configured only with
 * REDIS_CLUSTER_NODES against a private 3-master Redis Cluster, behind haproxy as in production.
 */
describe('on a 3-master Redis Cluster (REDIS_CLUSTER_NODES)', () => {
  const cluster = `e2e-rc-${process.pid}`;
  const jwtSecret = `jwt-secret-${crypto.randomUUID()}`;
  const adminToken = `admin-token-${crypto.randomUUID()}`;
  let redis: RedisClusterProcess;
  let nodes: SocketNodeProcess[] = [];
  let edge: EdgeProcess | null = null;
  let lb: LoadBalancer | null = null;
  let clients: ClientPool;

  beforeAll(async () => {
    redis = await startRedisCluster();
    nodes = await Promise.all(
      NODE_IDS.map((nodeId) =>
        SocketNodeProcess.create({
          nodeId,
          cluster,
          redisUrl: '',
          redisClusterNodes: redis.seeds,
          jwtSecret,
          flushIntervalMs: FLUSH_INTERVAL_MS,
          shutdownTimeoutMs: 5000,
        }),
      ),
    );
    edge = await EdgeProcess.create({
      cluster,
      redisUrl: '',
      redisClusterNodes: redis.seeds,
      adminToken,
      jwtSecret,
      flushIntervalMs: FLUSH_INTERVAL_MS,
      tickIntervalMs: FLUSH_INTERVAL_MS,
      expectedNodes: NODE_IDS.length,
      commandTimeoutMs: 1500,
    });
    await Promise.all([...nodes.map((node) => node.start()), edge.start()]);
    lb = await startHaproxy(nodes.map((node) => node.address));
    clients = new ClientPool(lb.url, jwtSecret);
  });

  afterAll(async () => {
    await clients?.closeAll();
    await Promise.allSettled([lb?.stop(), edge?.stop(), ...nodes.map((node) => node.terminate(5000))]);
    await redis?.stop();
  });

  const pin = (nodeId: string) => `node${NODE_IDS.indexOf(nodeId) + 1}`;
  const slotOf = async (key: string) =>
    Number(await redis.cli(redis.ports[0] ?? 0, 'CLUSTER', 'KEYSLOT', key));
  const tagSlot = () => slotOf(`{${cluster}}`);

  /** Every key of this Telltale cluster on every master, by SCAN on each. */
  async function keysByMaster(): Promise<Map<number, string[]>> {
    const found = new Map<number, string[]>();
    for (const port of redis.ports) {
      const master = new Redis(port, '127.0.0.1');
      try {
        const keys: string[] = [];
        let cursor = '0';
        do {
          const [next, batch] = await master.scan(cursor, 'MATCH', `telltale:{${cluster}}:*`, 'COUNT', 1000);
          keys.push(...batch);
          cursor = next;
        } while (cursor !== '0');
        if (keys.length > 0) found.set(port, keys);
      } finally {
        master.disconnect();
      }
    }
    return found;
  }

  it('flushes every node, reads /health and /metrics exactly, and keeps every key in the tag slot', async () => {
    const calm = await Promise.all(
      NODE_IDS.map((nodeId) =>
        clients.connect({ user: `calm-${nodeId}`, role: 'client', namespace: '/portal', pinTo: pin(nodeId) }),
      ),
    );
    await clients.connect({ user: 'victim', role: 'attendant', namespace: '/hub', pinTo: pin('node-a') });
    await clients.connect({ user: 'victim', role: 'attendant', namespace: '/hub', pinTo: pin('node-c') });
    const view = await waitFor(
      async () => {
        const metrics = await edge?.metrics();
        return metrics?.nodes.live === 3 && metrics.connections.total === 5 && metrics;
      },
      { timeoutMs: 15_000, what: '3 live nodes and 5 connections at the edge' },
    );
    expect(view.connections.total).toBe(calm.length + 2);
    const health = await edge?.health();
    expect(health?.status).toBe(200);
    expect(health?.report.status).toBe('pass');

    const byMaster = await keysByMaster();
    expect([...byMaster.keys()]).toEqual([await redis.ownerOf(await tagSlot())]);
    const keys = [...byMaster.values()].flat();
    const k = clusterKeys(cluster);
    expect(keys).toEqual(
      expect.arrayContaining([k.nodes, ...NODE_IDS.flatMap((id) => [k.node(id), k.nodeSockets(id)])]),
    );
    const slots = new Set(await Promise.all(keys.map(slotOf)));
    expect([...slots]).toEqual([await tagSlot()]);
  });

  it('delivers a user disconnect to every node with exact acks: no healthy node is missing', async () => {
    const answer = await edge?.command('POST', '/admin/users/victim/disconnect');
    expect(answer?.status).toBe(200);
    expect(answer?.result).toMatchObject({
      targeted: NODE_IDS,
      acked: NODE_IDS,
      missing: [],
      affected: 2,
      complete: true,
    });
    expect(answer?.result.acks.map((ack) => [ack.nodeId, ack.affected]).sort()).toEqual([
      ['node-a', 1],
      ['node-b', 0],
      ['node-c', 1],
    ]);
    measure('redis cluster', 'user disconnect round trip ms', answer?.result.durationMs ?? -1);
  });

  it('carries Socket.IO room traffic between nodes over the sharded adapter', async () => {
    const writer = await clients.connect({
      user: 'agent-1',
      role: 'attendant',
      namespace: '/hub',
      pinTo: pin('node-a'),
    });
    const reader = await clients.connect({
      user: 'agent-3',
      role: 'attendant',
      namespace: '/hub',
      pinTo: pin('node-c'),
    });
    for (const client of [writer, reader])
      expect(await client.ask('join:thread', { threadId: 't-rc' })).toEqual({ ok: true });
    expect(await writer.ask('typing:start', { threadId: 't-rc' })).toEqual({ ok: true });
    await waitFor(() => reader.payloads('thread:typing').length === 1, {
      timeoutMs: 5000,
      what: 'typing across nodes',
    });
    expect(reader.payloads('thread:typing')).toEqual([{ threadId: 't-rc', userId: 'agent-1', typing: true }]);
  });

  it('keeps health and commands working through a reshard of the tag slot while nodes flush', async () => {
    const target = await clients.connect({
      user: 'after-move',
      role: 'client',
      namespace: '/portal',
      pinTo: pin('node-b'),
    });
    const slot = await tagSlot();
    const from = await redis.ownerOf(slot);
    const to = redis.ports.find((port) => port !== from) ?? 0;

    // /health every 100 ms from before the move until the test ends: what an LB or monitor would see.
    const samples: { at: number; status: number; health: HealthReport['status'] | 'error' }[] = [];
    let polling = true;
    const poller = (async () => {
      while (polling) {
        const at = Date.now();
        const answer = await edge?.health().catch(() => null);
        samples.push({ at, status: answer?.status ?? 0, health: answer?.report.status ?? 'error' });
        await sleep(100);
      }
    })();
    await sleep(300);

    const moveStarted = Date.now();
    await redis.moveSlot(slot, to);
    const moved = Date.now();
    expect(await redis.ownerOf(slot)).toBe(to);
    measure(
      'redis cluster',
      'slot move (IMPORTING/MIGRATING, MIGRATE, SETSLOT NODE) ms',
      moved - moveStarted,
    );

    // Commands: a broadcast to every live node, until all three receive and ack it again.
    let attempts = 0;
    const recovered = await waitFor(
      async () => {
        attempts += 1;
        const answer = await edge?.command('POST', '/admin/broadcast', {
          namespace: '/portal',
          event: 'queue:updated',
          data: { threadId: `probe-${attempts}` },
        });
        return answer?.result.complete &&
          answer.result.missing.length === 0 &&
          answer.result.acked.length === 3
          ? Date.now()
          : false;
      },
      { timeoutMs: 10_000, intervalMs: 100, what: 'a broadcast acked by all three nodes after the move' },
    );
    measure('redis cluster', 'commands exact again after the move, ms', recovered - moved);
    measure('redis cluster', 'broadcasts until exact again', attempts);

    const disconnect = await edge?.command('POST', '/admin/users/after-move/disconnect');
    expect(disconnect?.status).toBe(200);
    expect(disconnect?.result).toMatchObject({
      targeted: NODE_IDS,
      acked: NODE_IDS,
      missing: [],
      affected: 1,
    });
    await waitFor(() => !target.connected, { timeoutMs: 3000, what: 'after-move disconnected' });

    // Health: pass again, and every key of the cluster now lives on the new owner only.
    await waitFor(async () => (await edge?.health())?.report.status === 'pass', {
      timeoutMs: 5000,
      what: '/health pass after the move',
    });
    const settled = Date.now();
    await sleep(2 * FLUSH_INTERVAL_MS);
    polling = false;
    await poller;
    const bad = samples.filter((s) => s.status !== 200 || s.health !== 'pass');
    const blipMs = bad.length === 0 ? 0 : (bad.at(-1)?.at ?? 0) - (bad[0]?.at ?? 0) + 100;
    measure(
      'redis cluster',
      '/health samples not pass during the move (of 100 ms polls)',
      `${bad.length}/${samples.length}`,
    );
    measure('redis cluster', '/health blip ms', blipMs);
    expect(samples.filter((s) => s.at >= settled).every((s) => s.status === 200 && s.health === 'pass')).toBe(
      true,
    );
    expect(blipMs).toBeLessThan(5000);
    expect([...(await keysByMaster()).keys()]).toEqual([to]);
  });
});
