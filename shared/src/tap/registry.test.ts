import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RedisProcess, startRedis } from '../../../test/support/redis.ts';
import { createIoredisStore } from '../store/ioredis.ts';
import { createMemoryStore } from '../store/memory.ts';
import { tapStoreOf } from './registry.ts';
import type { TapEvent } from './schema.ts';

const event: TapEvent = {
  kind: 'event',
  at: 1,
  node: 'n',
  direction: 'out',
  namespace: '/',
  socketId: 's',
  userId: null,
  event: 'tick',
  bytes: 2,
};

let redis: RedisProcess;
beforeAll(async () => {
  redis = await startRedis();
});
afterAll(async () => {
  await redis?.stop();
});

describe("a store's taps", () => {
  it('on the memory store: what a node appends, an edge on the same store reads; clusters apart', async () => {
    const store = createMemoryStore();
    await tapStoreOf(store, 'c1').appendTap('t', [event], 60_000);
    expect(await tapStoreOf(store, 'c1').readTapEntries('t', null, 10)).toHaveLength(1);
    expect(await tapStoreOf(store, 'c2').readTapEntries('t', null, 10)).toHaveLength(0);
    expect(await tapStoreOf(createMemoryStore(), 'c1').readTapEntries('t', null, 10)).toHaveLength(0);
  });

  it('on a Redis store: in Redis, where another connection reads them', async () => {
    const writer = createIoredisStore(redis.url);
    const reader = createIoredisStore(redis.url);
    try {
      await tapStoreOf(writer, 'c1').appendTap('t', [event], 60_000);
      const [read] = await tapStoreOf(reader, 'c1').readTapEntries('t', null, 10);
      expect(read?.entry).toEqual(event);
    } finally {
      await writer.close();
      await reader.close();
    }
  });
});
