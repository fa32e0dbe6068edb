import { createIoredisCluster, type RedisTarget } from '@telltale/shared/store/ioredis';
import { type Cluster, Redis } from 'ioredis';
import { createRedisStatusStorage } from './redis-storage.ts';
import type { StatusStorage } from './storage.ts';

/** Long enough for a MULTI on a healthy Redis; short enough that a hung one cannot stall the tick. */
const COMMAND_TIMEOUT_MS = 1000;

/**
 * The Node edge's status history in Redis (REDIS_URL, or the Redis Cluster of REDIS_CLUSTER_NODES),
 * on a connection of its own: a command that times out fails the write (logged, retried at the
 * next minute), never the tick.
 */
export async function openRedisStatusStorage(
  target: Exclude<RedisTarget, { kind: 'none' }>,
  cluster: string,
): Promise<{ storage: StatusStorage; close(): Promise<void> }> {
  const retryStrategy = (attempt: number) => Math.min(50 * 2 ** attempt, 2000);
  const options = { maxRetriesPerRequest: 1, connectTimeout: 2000, commandTimeout: COMMAND_TIMEOUT_MS };
  const redis: Redis | Cluster =
    target.kind === 'server'
      ? new Redis(target.url, { ...options, retryStrategy })
      : createIoredisCluster(target.cluster, { clusterRetryStrategy: retryStrategy, redisOptions: options });
  let lastError = '';
  redis.on('error', (err: Error) => {
    if (err.message !== lastError) console.warn(`[edge] status history redis: ${err.message}`);
    lastError = err.message;
  });
  await new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, 3000);
    redis.once('ready', () => {
      clearTimeout(timer);
      resolve();
    });
  });
  return {
    storage: createRedisStatusStorage(redis, cluster),
    async close() {
      await redis.quit().catch(() => redis.disconnect());
    },
  };
}
