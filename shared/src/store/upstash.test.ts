import { createServer } from 'node:net';
import { Redis as UpstashRedis } from '@upstash/redis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, type RedisProcess, startRedis } from '../../../test/support/redis.ts';
import { startUpstashRestServer, type UpstashRestServer } from '../../../tools/upstash-rest/server.ts';
import { sampleSnapshot } from '../merge/fixtures.ts';
import { createUpstashStore, UPSTASH_CLIENT_SETTINGS } from './upstash.ts';

const TOKEN = 'upstash-test-token';

describe('upstash store, with the client settings the Worker uses', () => {
  let redis: RedisProcess;
  let server: UpstashRestServer;
  beforeAll(async () => {
    redis = await startRedis();
    server = await startUpstashRestServer({ redisUrl: redis.url, token: TOKEN });
  });
  afterAll(async () => {
    await server?.close();
    await redis?.stop();
  });

  const store = () =>
    createUpstashStore(new UpstashRedis({ url: server.url, token: TOKEN, ...UPSTASH_CLIENT_SETTINGS }));

  it('reads back a node whose id is OK as OK', async () => {
    const upstash = store();
    const snapshot = sampleSnapshot({ node: { id: 'OK', cluster: 'ok-cluster', flushedAt: Date.now() } });
    await upstash
      .forCluster('ok-cluster')
      .flush({ snapshot, sockets: { upsert: [], remove: [] }, ttlMs: 30_000 });
    const [record] = await upstash.forCluster('ok-cluster').readNodes();
    expect(record?.nodeId).toBe('OK');
    expect(JSON.parse(record!.raw!).node.id).toBe('OK');
    await upstash.close();
  });

  it('sends every request after the first with the sync token the previous answer carried', async () => {
    const upstash = store();
    const before = server.syncTokens().length;
    const snapshot = sampleSnapshot({ node: { id: 'n1', cluster: 'ryw', flushedAt: Date.now() } });
    await upstash.forCluster('ryw').flush({ snapshot, sockets: { upsert: [], remove: [] }, ttlMs: 30_000 });
    expect((await upstash.forCluster('ryw').readNodes()).map((r) => r.nodeId)).toEqual(['n1']);
    const exchanges = server.syncTokens().slice(before);
    expect(exchanges.length).toBeGreaterThanOrEqual(2);
    expect(exchanges[0]!.received).toBeNull();
    for (let i = 1; i < exchanges.length; i++) expect(exchanges[i]!.received).toBe(exchanges[i - 1]!.issued);
    await upstash.close();
  });

  it('gives up on an endpoint that drops every connection after 3 attempts, inside the 2 s tick deadline', async () => {
    let attempts = 0;
    const dropper = createServer((socket) => {
      attempts += 1;
      socket.destroy();
    });
    await new Promise<void>((resolve) => dropper.listen(0, '127.0.0.1', resolve));
    const { port } = dropper.address() as { port: number };
    const upstash = createUpstashStore(
      new UpstashRedis({ url: `http://127.0.0.1:${port}`, token: TOKEN, ...UPSTASH_CLIENT_SETTINGS }),
    );
    const started = Date.now();
    await expect(upstash.ping()).rejects.toThrow();
    expect(Date.now() - started).toBeLessThan(2000);
    expect(attempts).toBe(3);
    await new Promise<void>((resolve) => dropper.close(() => resolve()));
  });

  it('rejects a subscription the REST endpoint never confirms, and a call it cannot reach', async () => {
    const port = await freePort();
    const client = new UpstashRedis({
      url: `http://127.0.0.1:${port}`,
      token: 't',
      ...UPSTASH_CLIENT_SETTINGS,
    });
    const upstash = createUpstashStore(client, { subscribeTimeoutMs: 1000 });
    await expect(upstash.forCluster('c').subscribeEvents(() => {})).rejects.toThrow();
    await expect(upstash.ping()).rejects.toThrow();
    await upstash.close();
  });
});
