import { mergeCluster, type TelltaleStore } from '@telltale/shared';
import { createIoredisStore } from '@telltale/shared/store/ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RedisProcess, startRedis } from '../../../test/support/redis.ts';
import { silentLogger } from '../../src/instrument/log.ts';
import { type SocketNode, startSocketNode } from '../../src/node.ts';
import { closeAll, eventually, next, open, sleep, token } from '../support/clients.ts';
import { testSettings } from '../support/node.ts';

const CLUSTER = 'outage';
const INTERVAL = 300;

let redis: RedisProcess;
let node: SocketNode;
let edge: TelltaleStore;

beforeAll(async () => {
  redis = await startRedis();
  node = await startSocketNode(
    testSettings({ nodeId: 'survivor', cluster: CLUSTER, redisUrl: redis.url, flushIntervalMs: INTERVAL }),
    { log: silentLogger },
  );
  edge = createIoredisStore(redis.url);
});

afterAll(async () => {
  closeAll();
  await node?.close();
  await edge?.close();
  await redis?.stop();
});

describe('Redis stopped and restarted under a connected client', () => {
  it('keeps the client, reports the store down, and resumes flushing with a rebuilt sockets hash', async () => {
    const client = await open(`${node.url}/hub`, {
      transports: ['websocket'],
      auth: { token: await token({ sub: 'a1', role: 'attendant' }) },
    });
    const socketId = client.id;
    await eventually(
      async () => (await edge.forCluster(CLUSTER).listSockets({ limit: 10 })).items.length === 1,
      3000,
      'flushed',
    );

    await redis.stop();
    await eventually(() => !node.instrumentation.redisConnected, 3000, 'store seen down');
    expect(await (await fetch(`${node.url}/health/ready`)).json()).toEqual({
      ready: false,
      reason: 'store unreachable (last flush failed)',
    });
    expect(node.instrumentation.snapshot().infra.redis).toEqual({ connected: false, latencyMs: null });
    // Still serving while Redis is away: events, and broadcasts to the local sockets (the adapter's
    // publish to the other nodes fails, which must not surface as an unhandled rejection).
    const colleague = await open(`${node.url}/hub`, {
      transports: ['websocket'],
      auth: { token: await token({ sub: 'a2', role: 'attendant' }) },
    });
    expect(await client.emitWithAck('join:thread', { threadId: 't1' })).toEqual({ ok: true });
    expect(await colleague.emitWithAck('join:thread', { threadId: 't1' })).toEqual({ ok: true });
    const typing = next(colleague, 'thread:typing');
    expect(await client.emitWithAck('typing:start', { threadId: 't1' })).toEqual({ ok: true });
    expect(await typing).toEqual({ threadId: 't1', userId: 'a1', typing: true });
    colleague.close();
    await sleep(4 * INTERVAL);
    expect(client.connected).toBe(true);

    // A fresh, empty Redis: the node must write its snapshot AND its whole sockets hash again.
    await redis.restart();
    await eventually(
      async () => {
        const read = await edge.forCluster(CLUSTER).readCluster();
        const view = mergeCluster(read, Date.now(), {
          cluster: CLUSTER,
          intervalMs: INTERVAL,
        });
        return view.nodes.live === 1 && view.connections.total === 1 && view.redis.connected;
      },
      5000,
      'flushing resumed',
    );
    // …and its share of the cluster aggregates, whole: the thread room and its user are back.
    const rooms = await edge.forCluster(CLUSTER).listRooms({ prefix: 'thread:t1', limit: 10 });
    expect(rooms.items.map((r) => [r.name, r.size])).toEqual([['thread:t1', 1]]);
    expect((await edge.forCluster(CLUSTER).readCluster()).aggregates.users.online).toBe(1);
    const sockets = (await edge.forCluster(CLUSTER).listSockets({ limit: 10 })).items;
    expect(sockets.map((s) => [s.id, s.userId, s.roomNames.includes('thread:t1')])).toEqual([
      [socketId, 'a1', true],
    ]);
    expect(client.connected).toBe(true);
    expect(client.id).toBe(socketId);
    expect((await fetch(`${node.url}/health/ready`)).status).toBe(200);
  });
});
