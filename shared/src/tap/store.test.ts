import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RedisProcess, startRedis } from '../../../test/support/redis.ts';
import { type RedisTransport, scriptRunner } from '../store/redis-store.ts';
import type { TapEvent, TapRecord } from './schema.ts';
import { memoryTaps, redisTaps, type TapStore, tapKeys } from './store.ts';

const record = (id: string, startedAt: number): TapRecord => ({
  id,
  filter: { event: 'chat:*' },
  sampleRate: 1,
  maxEventsPerSecond: 50,
  payloads: false,
  actor: 'admin-token',
  startedAt,
  endsAt: startedAt + 60_000,
  stoppedAt: null,
});

const event = (n: number): TapEvent => ({
  kind: 'event',
  at: 1000 + n,
  node: 'node-a',
  direction: 'in',
  namespace: '/portal',
  socketId: 's1',
  userId: null,
  event: `chat:${n}`,
  bytes: 10,
});

function contract(name: string, make: () => TapStore) {
  describe(`tap store (${name})`, () => {
    it('keeps records newest first, and a stopped tap as stopped', async () => {
      const store = make();
      const now = Date.now();
      await store.saveTap(record('t1', now - 1000), 60_000);
      await store.saveTap(record('t2', now), 60_000);
      await store.saveTap({ ...record('t1', now - 1000), stoppedAt: now }, 60_000);
      const taps = await store.readTaps();
      expect(taps.map((t) => [t.id, t.stoppedAt])).toEqual([
        ['t2', null],
        ['t1', now],
      ]);
    });

    it('reads entries in order, resuming after a stream id, and keeps at most its bound', async () => {
      const store = make();
      await store.appendTap('t1', [event(1), event(2), event(3)], 60_000);
      const first = await store.readTapEntries('t1', null, 2);
      expect(first.map((r) => (r.entry as TapEvent).event)).toEqual(['chat:1', 'chat:2']);
      const rest = await store.readTapEntries('t1', first[1]!.id, 10);
      expect(rest.map((r) => (r.entry as TapEvent).event)).toEqual(['chat:3']);
      expect(await store.readTapEntries('t1', rest[0]!.id, 10)).toEqual([]);
      expect(await store.readTapEntries('unknown', null, 10)).toEqual([]);

      await store.appendTap(
        'big',
        Array.from({ length: 5100 }, (_, i) => event(i)),
        60_000,
      );
      const kept = await store.readTapEntries('big', null, 10_000);
      expect(kept).toHaveLength(5000);
      expect((kept[0]!.entry as TapEvent).event).toBe('chat:100');
    });

    it('refuses a cursor that is not a stream id', async () => {
      await expect(make().readTapEntries('t1', '1-2-3', 10)).rejects.toThrow(/is not a stream id/);
    });
  });
}

contract('memory', () => memoryTaps());

let redis: RedisProcess;
let client: Redis;
let cluster = 0;
beforeAll(async () => {
  redis = await startRedis();
  client = new Redis(redis.url);
});
afterAll(async () => {
  client?.disconnect();
  await redis?.stop();
});

/** The part of the ioredis transport the tap adapter uses: scripts, over a real Redis. */
function transport(): RedisTransport {
  return {
    kind: 'ioredis',
    longLivedSubscriptions: true,
    ping: async () => {},
    transaction: async () => [],
    script: scriptRunner(
      (sha, keys, args) => client.evalsha(sha, keys.length, ...keys, ...args),
      (source, keys, args) => client.eval(source, keys.length, ...keys, ...args),
    ),
    publish: async () => {},
    subscribe: async () => async () => {},
    close: async () => {},
  };
}

contract('redis', () => redisTaps(transport(), `taps-${++cluster}`));

describe('tap store (redis) keys', () => {
  it('expire: the stream at its retention, under the cluster hash tag', async () => {
    const store = redisTaps(transport(), 'ttl');
    await store.appendTap('t9', [event(1)], 5000);
    const key = tapKeys('ttl').entries('t9');
    expect(key).toBe('telltale:{ttl}:tap:t9');
    const ttl = await client.pttl(key);
    expect(ttl).toBeGreaterThan(4000);
    expect(ttl).toBeLessThanOrEqual(5000);
  });
});
