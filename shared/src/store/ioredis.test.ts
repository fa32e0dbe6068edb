import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RedisProcess, startRedis } from '../../../test/support/redis.ts';
import { sampleSnapshot } from '../merge/fixtures.ts';
import { createIoredisStore } from './ioredis.ts';

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
