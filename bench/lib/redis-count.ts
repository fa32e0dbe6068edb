import type { Socket } from 'node:net';
import type { Redis } from 'ioredis';

/**
 * Counts the writes an ioredis connection puts on its socket. ioredis writes one command per
 * write and a whole pipeline or MULTI in one, so for request/reply code every write is one round
 * trip to Redis. Call after the connection is ready.
 */
export function countRoundTrips(redis: Redis): { readonly count: number } {
  const stream = (redis as unknown as { stream?: Socket }).stream;
  if (!stream) throw new Error('the Redis connection is not established yet');
  const counter = { count: 0 };
  const write = stream.write;
  stream.write = function countedWrite(this: Socket, ...args: Parameters<Socket['write']>) {
    counter.count++;
    return write.apply(this, args);
  } as Socket['write'];
  return counter;
}

/** Calls per command from INFO commandstats, e.g. `{ evalsha: 12, hget: 12000 }`. */
export async function commandStats(redis: Redis): Promise<Record<string, number>> {
  const info = await redis.info('commandstats');
  const stats: Record<string, number> = {};
  for (const match of info.matchAll(/^cmdstat_([^:]+):calls=(\d+)/gm)) {
    const [, name, calls] = match;
    if (name && calls) stats[name] = Number(calls);
  }
  return stats;
}

/** Commands executed between two commandstats readings, by name (zeros dropped). */
export function commandDelta(
  before: Record<string, number>,
  after: Record<string, number>,
): Record<string, number> {
  const delta: Record<string, number> = {};
  for (const [name, calls] of Object.entries(after)) {
    const d = calls - (before[name] ?? 0);
    if (d > 0) delta[name] = d;
  }
  return delta;
}
