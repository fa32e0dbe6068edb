import type { EdgeConfig, TelltaleStore } from '@telltale/shared';
import { createIoredisStore } from '@telltale/shared/store/ioredis';
import { createMemoryStore } from '@telltale/shared/store/memory';
import { Redis } from 'ioredis';

/**
 * ioredis when REDIS_URL is set, else the in-memory store. The edge's connection fails fast while
 * Redis is down (no offline queue) so /health reports the outage at once instead of waiting on it.
 */
export async function createNodeStore(config: EdgeConfig): Promise<TelltaleStore> {
  if (!config.REDIS_URL) return createMemoryStore();
  const redis = new Redis(config.REDIS_URL, {
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
    connectTimeout: 2000,
    // Back off, but never past one tick: the view must recover within an interval of Redis returning.
    retryStrategy: (attempt) =>
      Math.min(50 * 2 ** attempt, config.TICK_INTERVAL_MS ?? config.FLUSH_INTERVAL_MS, 2000),
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
