import type { TelltaleStore } from '@telltale/shared';
import { createIoredisCluster, createIoredisStore, redisTargetOf } from '@telltale/shared/store/ioredis';
import { createMemoryStore } from '@telltale/shared/store/memory';
import { type Cluster, Redis } from 'ioredis';
import type { NodeEdgeConfig } from './config.ts';

/**
 * ioredis when REDIS_URL or REDIS_CLUSTER_NODES is set, else the in-memory store. The edge's
 * connection fails fast while Redis is down (no offline queue) so /health reports the outage at
 * once instead of waiting on it.
 */
export async function createNodeStore(config: NodeEdgeConfig): Promise<TelltaleStore> {
  const target = redisTargetOf(config);
  if (target.kind === 'none') return createMemoryStore();
  // Back off, but never past one tick: the view must recover within an interval of Redis returning.
  const retryStrategy = (attempt: number) =>
    Math.min(50 * 2 ** attempt, config.TICK_INTERVAL_MS ?? config.FLUSH_INTERVAL_MS, 2000);
  const failFast = { enableOfflineQueue: false, maxRetriesPerRequest: 1, connectTimeout: 2000 };
  const redis: Redis | Cluster =
    target.kind === 'server'
      ? new Redis(target.url, { ...failFast, retryStrategy })
      : createIoredisCluster(target.cluster, {
          enableOfflineQueue: false,
          clusterRetryStrategy: retryStrategy,
          redisOptions: failFast,
        });
  let lastError = '';
  redis.on('error', (err: Error) => {
    if (err.message !== lastError) console.warn(`[edge] redis: ${err.message}`);
    lastError = err.message;
  });
  redis.on('ready', () => {
    lastError = '';
  });
  await new Promise<void>((resolve) => {
    // Start even if Redis is not up yet: the edge then reports it as unreachable until it is.
    const timer = setTimeout(resolve, 3000);
    redis.once('ready', () => {
      clearTimeout(timer);
      resolve();
    });
  });
  return createIoredisStore(redis);
}
