import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RedisProcess, startRedis } from '../../test/support/redis.ts';
import { commandDelta, commandStats, countRoundTrips } from './redis-count.ts';

describe('countRoundTrips', () => {
  let server: RedisProcess;
  let redis: Redis;

  beforeAll(async () => {
    server = await startRedis();
    redis = new Redis(server.url);
    await new Promise((resolve) => redis.once('ready', resolve));
  });
  afterAll(async () => {
    await redis.quit();
    await server.stop();
  });

  it('counts a pipeline of many commands as one round trip and sequential commands one each', async () => {
    const counter = countRoundTrips(redis);
    const pipeline = redis.pipeline();
    for (let i = 0; i < 50; i++) pipeline.set(`k${i}`, String(i));
    await pipeline.exec();
    expect(counter.count).toBe(1);
    await redis.get('k1');
    await redis.get('k2');
    expect(counter.count).toBe(3);
  });

  it('reads per-command call counts from INFO commandstats', async () => {
    const before = await commandStats(redis);
    await redis.hset('h', 'f', 'v');
    await redis.hget('h', 'f');
    await redis.hget('h', 'f');
    const delta = commandDelta(before, await commandStats(redis));
    expect(delta.hget).toBe(2);
    expect(delta.hset).toBe(1);
  });
});
