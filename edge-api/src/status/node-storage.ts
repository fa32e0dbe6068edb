import { Redis } from 'ioredis';
import { createRedisStatusStorage } from './redis-storage.ts';
import type { StatusStorage } from './storage.ts';

/** Long enough for a MULTI on a healthy Redis; short enough that a hung one cannot stall the tick. */
const COMMAND_TIMEOUT_MS = 1000;

/**
 * The Node edge's status history in Redis (REDIS_URL), on a connection of its own: a command that
 * times out fails the write (logged, retried at the next minute), never the tick.
 */
export async function openRedisStatusStorage(
  url: string,
  cluster: string,
): Promise<{ storage: StatusStorage; close(): Promise<void> }> {
  const redis = new Redis(url, {
    maxRetriesPerRequest: 1,
    connectTimeout: 2000,
    commandTimeout: COMMAND_TIMEOUT_MS,
    retryStrategy: (attempt) => Math.min(50 * 2 ** attempt, 2000),
  });
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
