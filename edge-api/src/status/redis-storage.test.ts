import { RedisClusterNodes, redisTargetOf } from '@telltale/shared/store/ioredis';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RedisProcess, startRedis } from '../../../test/support/redis.ts';
import { type RedisClusterProcess, startRedisCluster } from '../../../test/support/redis-cluster.ts';
import type { Incident } from './incidents.ts';
import { openRedisStatusStorage } from './node-storage.ts';
import { createRedisStatusStorage, statusKeys } from './redis-storage.ts';
import { DAY_MS, emptyRollup, HOUR_MS, RETENTION_MS } from './rollup.ts';

let redis: RedisProcess;
let client: Redis;
beforeAll(async () => {
  redis = await startRedis();
  client = new Redis(redis.url);
});
afterAll(async () => {
  await client?.quit();
  await redis?.stop();
});

const T0 = Date.UTC(2026, 0, 1);
const incident = (n: number): Incident => ({
  id: `inc-${n}`,
  title: `incident ${n}`,
  origin: 'auto',
  impact: 'fail',
  startedAt: T0 + n * 1000,
  resolvedAt: null,
  timeline: [],
});

const maintenanceWindow = {
  id: 'mw-1',
  startsAt: T0,
  durationMs: 60_000,
  recurrence: 'none' as const,
  switchNodes: false,
  message: 'm',
  createdAt: T0,
  createdBy: 'a',
};

describe('Redis status storage', () => {
  it('keeps 90 days of hourly rollups after 100 days of writes, replacing a rewritten hour', async () => {
    const storage = createRedisStatusStorage(client, 'rollups');
    const full = (at: number) => ({
      ...emptyRollup(at),
      ms: { pass: 3_599_000, warn: 1000, fail: 0, maintenance: 0 },
      connections: { min: 1_000_000, max: 1_999_999, sum: 1_234_567_890_123, count: 720 },
      errors: 123_456,
      latencyP95: { min: 1.234, max: 987.654, sum: 123_456.789, count: 720 },
      latencyP99Max: 1999.999,
    });
    const end = T0 + 100 * DAY_MS;
    for (let at = T0; at < end; at += HOUR_MS) {
      await storage.putRollup('hour', emptyRollup(at), at - RETENTION_MS);
      await storage.putRollup('hour', full(at), at - RETENTION_MS);
    }
    const key = statusKeys('rollups').rollups('hour');
    expect(await client.zcard(key)).toBe(90 * 24 + 1);
    const kept = await storage.rollupsSince('hour', 0);
    expect(kept[0]!.at).toBe(end - HOUR_MS - RETENTION_MS);
    expect(kept.at(-1)).toEqual(full(end - HOUR_MS));
    // 2,161 hours of the largest numbers a cluster writes: under 1 MiB as Redis holds them (a sorted set).
    expect(Number(await client.memory('USAGE', key))).toBeLessThan(1024 * 1024);
  });

  it('keeps the incidents that started last, and deletes windows by id', async () => {
    const storage = createRedisStatusStorage(client, 'incidents');
    for (let n = 0; n < 5; n++) await storage.putIncident(incident(n), 3);
    await storage.putIncident({ ...incident(4), title: 'renamed' }, 3);
    expect((await storage.incidents(10)).map((i) => [i.id, i.title])).toEqual([
      ['inc-4', 'renamed'],
      ['inc-3', 'incident 3'],
      ['inc-2', 'incident 2'],
    ]);
    await storage.putWindow(maintenanceWindow);
    expect(await storage.windows()).toEqual([maintenanceWindow]);
    expect(await storage.deleteWindow('mw-1')).toBe(true);
    expect(await storage.deleteWindow('mw-1')).toBe(false);
    expect(await storage.windows()).toEqual([]);
  });
});

describe('Redis status storage on a 3-master Redis Cluster (REDIS_CLUSTER_NODES)', () => {
  let cluster: RedisClusterProcess;
  beforeAll(async () => {
    cluster = await startRedisCluster();
  }, 60_000);
  afterAll(async () => {
    await cluster?.stop();
  });

  it('writes rollups, incidents and windows through the cluster and reads them back after a reopen', async () => {
    // What the Node edge passes: the target REDIS_CLUSTER_NODES parses to.
    const target = redisTargetOf({ REDIS_CLUSTER_NODES: RedisClusterNodes.parse(cluster.seeds) });
    if (target.kind !== 'cluster') throw new Error('REDIS_CLUSTER_NODES did not parse to a cluster');
    const first = await openRedisStatusStorage(target, 'on-cluster');
    const hour = (at: number) => ({ ...emptyRollup(at), errors: at / HOUR_MS });
    for (let k = 0; k < 5; k++) await first.storage.putRollup('hour', hour(T0 + k * HOUR_MS), T0);
    for (let n = 0; n < 4; n++) await first.storage.putIncident(incident(n), 3);
    await first.storage.putWindow(maintenanceWindow);
    await first.close();

    const second = await openRedisStatusStorage(target, 'on-cluster');
    try {
      expect((await second.storage.rollupsSince('hour', T0)).map((r) => r.errors)).toEqual(
        [0, 1, 2, 3, 4].map((k) => (T0 + k * HOUR_MS) / HOUR_MS),
      );
      expect((await second.storage.incidents(10)).map((i) => i.id)).toEqual(['inc-3', 'inc-2', 'inc-1']);
      expect(await second.storage.windows()).toEqual([maintenanceWindow]);
      // Every status key hashes to the cluster's own slot: one master holds them all.
      const slot = Number(
        await cluster.cli(cluster.ports[0]!, 'CLUSTER', 'KEYSLOT', statusKeys('on-cluster').incidents),
      );
      const owner = await cluster.ownerOf(slot);
      expect(await cluster.cli(owner, 'EXISTS', statusKeys('on-cluster').rollups('hour'))).toBe('1');
    } finally {
      await second.close();
    }
  });
});
