import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RedisProcess, startRedis } from '../../../test/support/redis.ts';
import { clusterKeys } from '../keys/index.ts';
import { sampleSnapshot } from '../merge/fixtures.ts';
import type { ClusterAggregates } from '../schema/aggregates.ts';
import { AGGREGATE_CHUNK_ENTRIES } from './aggregates.ts';
import { createIoredisStore } from './ioredis.ts';
import type { TelltaleStore } from './port.ts';

async function eventually(check: () => Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check().catch(() => false)) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`condition not met within ${timeoutMs} ms`);
}

describe('ioredis store when Redis goes away', () => {
  let redis: RedisProcess;
  beforeAll(async () => {
    redis = await startRedis();
  });
  afterAll(async () => {
    await redis?.stop();
  });

  it('rejects calls, reports connection errors to the caller, and resumes its subscriptions', async () => {
    const errors: Error[] = [];
    const connection = new Redis(redis.url, { maxRetriesPerRequest: 1, retryStrategy: () => 50 });
    const store = createIoredisStore(connection, { onError: (error) => errors.push(error) });
    const received: string[] = [];
    await store.forCluster('outage').subscribeCommands('node-a', (raw) => received.push(raw));
    const snapshot = sampleSnapshot({ node: { id: 'node-a', cluster: 'outage' } });
    try {
      await redis.kill();
      await expect(store.ping()).rejects.toThrow();
      await expect(
        store.forCluster('outage').flush({ snapshot, sockets: { upsert: [], remove: [] }, ttlMs: 15_000 }),
      ).rejects.toThrow();
      await eventually(async () => errors.length > 0, 5000);

      await redis.restart();
      await eventually(async () => (await store.ping()) >= 0, 10_000);
      await store
        .forCluster('outage')
        .flush({ snapshot, sockets: { upsert: [], remove: [] }, ttlMs: 15_000 });
      expect((await store.forCluster('outage').readNodes()).map((record) => record.nodeId)).toEqual([
        'node-a',
      ]);
      const envelope = {
        id: 'after-outage',
        cluster: 'outage',
        target: 'node-a',
        actor: 'ops',
        issuedAt: 1,
        expiresAt: 2001,
        command: { type: 'disconnect-all' as const },
      };
      // The duplicated subscriber reconnects and resubscribes on its own; publish until it is back.
      await eventually(async () => {
        await store.forCluster(envelope.cluster).publishCommand(envelope, { to: 'node', nodeId: 'node-a' });
        await new Promise((resolve) => setTimeout(resolve, 50));
        return received.length > 0;
      }, 10_000);
      expect(JSON.parse(received[0] ?? '{}')).toMatchObject({ id: 'after-outage' });
    } finally {
      await store.close();
      connection.disconnect();
    }
  });

  it('watches acks on a client that has no offline queue (the Node edge runs like that)', async () => {
    const connection = new Redis(redis.url, { enableOfflineQueue: false, maxRetriesPerRequest: 1 });
    await new Promise((resolve) => connection.once('ready', resolve));
    const store = createIoredisStore(connection);
    try {
      // The first watch opens the subscriber connection; SUBSCRIBE must wait for it, not fail.
      const watch = await store.forCluster('no-queue').watchAcks('c1');
      await store
        .forCluster('no-queue')
        .writeAck({ commandId: 'c1', nodeId: 'node-a', ok: true, affected: 1, at: 1 }, 5000);
      const acks = await watch.wait(['node-a'], 2000);
      expect(acks.map((ack) => ack.nodeId)).toEqual(['node-a']);
    } finally {
      await store.close();
      connection.disconnect();
    }
  });

  it('owns and closes a connection it opened from a URL', async () => {
    const store = createIoredisStore(redis.url);
    expect(await store.ping()).toBeGreaterThanOrEqual(0);
    await store.close();
    await expect(store.ping()).rejects.toThrow(/Connection is closed/);
  });
});

describe('ioredis store: a large flush in chunks', () => {
  let redis: RedisProcess;
  let admin: Redis;
  let connection: Redis;
  let stores: TelltaleStore;
  beforeAll(async () => {
    redis = await startRedis();
    admin = new Redis(redis.url);
    connection = new Redis(redis.url);
    stores = createIoredisStore(connection);
  });
  afterAll(async () => {
    await stores?.close();
    admin?.disconnect();
    connection?.disconnect();
    await redis?.stop();
  });

  const scriptCalls = async () =>
    Number(/^cmdstat_evalsha:calls=(\d+)/m.exec(await admin.info('commandstats'))?.[1] ?? 0);
  /** The scripts `run` takes, counted at the server. */
  const scriptsOf = async (run: () => Promise<unknown>) => {
    const before = await scriptCalls();
    await run();
    return (await scriptCalls()) - before;
  };
  const changes = (count: number, whole: boolean) => ({
    whole,
    rooms: Array.from({ length: count }, (_, i) => ({ namespace: '/p', name: `user:u${i}`, size: 1 })),
    users: Array.from({ length: count }, (_, i): [string, 'online'] => [`u${i}`, 'online']),
  });
  const sockets = { upsert: [], remove: [] };
  const flushOf = (cluster: string, id: string, count: number, whole: boolean) =>
    stores.forCluster(cluster).flush({
      snapshot: sampleSnapshot({ node: { id, cluster } }),
      sockets,
      ttlMs: 60_000,
      aggregates: changes(count, whole),
    });
  const expire = (cluster: string, id: string) => admin.del(clusterKeys(cluster).node(id));

  it('rewrites 50,000 users whole in scripts of at most 2,000 rooms and users, exact at the end', async () => {
    let expired: boolean | undefined;
    const scripts = await scriptsOf(async () => {
      ({ expired } = await flushOf('chunks', 'node-a', 50_000, true));
    });
    expect(expired).toBe(true);
    expect(scripts).toBe(100_000 / AGGREGATE_CHUNK_ENTRIES);
    const { aggregates } = await stores.forCluster('chunks').readCluster();
    expect(aggregates.users).toEqual({ online: 50_000, away: 0 });
    expect(aggregates.rooms).toMatchObject({ total: 50_000, members: 50_000 });
  }, 60_000);

  it('sends no more chunks of a delta the first one finds refused (the node rewrites whole next)', async () => {
    await flushOf('refused', 'node-a', 10, true);
    await expire('refused', 'node-a');
    let expired: boolean | undefined;
    expect(
      await scriptsOf(async () => {
        ({ expired } = await flushOf('refused', 'node-a', 3_000, false));
      }),
    ).toBe(1);
    expect(expired).toBe(true);
    // That one script dropped what was left of the contribution and applied none of the delta.
    expect((await stores.forCluster('refused').readCluster()).aggregates.users).toEqual({
      online: 0,
      away: 0,
    });
  });

  it('drops a lost node of 10,000 users in chunks at the read, and is exact after that one read', async () => {
    await flushOf('lost-large', 'node-a', 10_000, true);
    await flushOf('lost-large', 'node-b', 3, true);
    await expire('lost-large', 'node-a');
    let aggregates: ClusterAggregates | undefined;
    // The read (node-a too large to drop there), 10 chunks of 2,000, the read again.
    expect(
      await scriptsOf(async () => {
        ({ aggregates } = await stores.forCluster('lost-large').readCluster());
      }),
    ).toBe(12);
    expect(aggregates?.users).toEqual({ online: 3, away: 0 });
    expect(aggregates?.rooms).toMatchObject({ total: 3, members: 3 });
    const keys = clusterKeys('lost-large');
    expect(await admin.exists(keys.nodeRooms('node-a'), keys.nodeUsers('node-a'))).toBe(0);
  }, 60_000);

  it('drops a large contribution in chunks before a refused delta, a whole rewrite and a deregister', async () => {
    const store = stores.forCluster('stalled-large');
    await flushOf('stalled-large', 'node-a', 5_000, true);
    await expire('stalled-large', 'node-a');
    // The flush answers "drop first", 5 chunks drop the 10,000 entries, the flush again (refused).
    let refused: boolean | undefined;
    expect(
      await scriptsOf(async () => {
        ({ expired: refused } = await flushOf('stalled-large', 'node-a', 1, false));
      }),
    ).toBe(7);
    expect(refused).toBe(true);
    expect((await store.readCluster()).aggregates.users).toEqual({ online: 0, away: 0 });
    await flushOf('stalled-large', 'node-a', 5_000, true);
    await flushOf('stalled-large', 'node-a', 4_000, true);
    expect((await store.readCluster()).aggregates.users).toEqual({ online: 4_000, away: 0 });
    await store.deregister('node-a');
    expect(await admin.zscore(clusterKeys('stalled-large').nodes, 'node-a')).toBeNull();
    const { aggregates } = await store.readCluster();
    expect(aggregates.users).toEqual({ online: 0, away: 0 });
    expect(aggregates.rooms).toMatchObject({ total: 0, members: 0 });
  }, 60_000);
});

describe('ioredis store: the ledger keys live as long as the node set', () => {
  let redis: RedisProcess;
  beforeAll(async () => {
    redis = await startRedis();
  });
  afterAll(async () => {
    await redis?.stop();
  });

  it('renews every ledger key and the node’s share at each flush, even one that changes nothing', async () => {
    const connection = new Redis(redis.url);
    const store = createIoredisStore(connection).forCluster('ledger-ttl');
    const keys = clusterKeys('ledger-ttl');
    const snapshot = sampleSnapshot({ node: { id: 'node-a', cluster: 'ledger-ttl' } });
    const flush = () => store.flush({ snapshot, sockets: { upsert: [], remove: [] }, ttlMs: 60_000 });
    try {
      await flush();
      const ledgerKeys = [
        keys.nodeLedger('node-a'),
        keys.ledger.refs,
        keys.ledger.labels('ns'),
        keys.ledger.labels('in'),
        keys.ledger.sketch('w'),
        keys.ledger.sketch('k'),
      ];
      for (const key of ledgerKeys) await connection.pexpire(key, 1_000);
      await flush();
      for (const key of ledgerKeys) expect(await connection.pttl(key), key).toBeGreaterThan(60_000);
    } finally {
      await connection.quit();
    }
  });
});
