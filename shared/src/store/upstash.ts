import type { Redis, RedisConfigNodejs } from '@upstash/redis';
import { timings } from '../commands/timings.ts';
import type { TelltaleStore, Unsubscribe } from './port.ts';
import {
  createRedisStore,
  type RedisStoreOptions,
  type RedisTransport,
  scriptRunner,
  type WriteOp,
} from './redis-store.ts';

/**
 * The client settings the edge runs with on Workers, and the store's tests with them: stored JSON
 * reaches the zod schemas untouched; read-your-writes stays on (the client's default: each request
 * sends back the last `upstash-sync-token`); a network failure is retried twice, 50 then 100 ms
 * apart — 3 subrequests at most and well inside the tick's 2 s read deadline, where the client's
 * default 5 retries take 4.3 s and 6 subrequests. Replies come as plain JSON strings, not base64
 * (`responseEncoding: false`, the client's default from 1.40): a fifth fewer bytes per read (522 →
 * 425 KB at 100 nodes in `pnpm bench cluster-read` when ticks read whole snapshots), and
 * everything Telltale stores is text it wrote itself (JSON and bounded labels).
 */
export const UPSTASH_CLIENT_SETTINGS = {
  automaticDeserialization: false,
  responseEncoding: false,
  retry: { retries: 2, backoff: (attempt: number) => 50 * 2 ** attempt },
} satisfies Pick<
  RedisConfigNodejs,
  'automaticDeserialization' | 'retry' | 'readYourWrites' | 'responseEncoding'
>;

export interface UpstashStoreOptions extends RedisStoreOptions {
  /** How long a subscription may take to be confirmed by the REST endpoint. */
  subscribeTimeoutMs?: number;
}

type Transaction = ReturnType<Redis['multi']>;

function addWrite(tx: Transaction, write: WriteOp): void {
  switch (write.op) {
    case 'hset':
      tx.hset(write.key, write.fields);
      return;
    case 'hdel':
      tx.hdel(write.key, ...write.fields);
      return;
    case 'del':
      tx.del(...write.keys);
      return;
    case 'pexpire':
      tx.pexpire(write.key, write.ms);
      return;
    case 'zadd':
      tx.zadd(write.key, { score: write.score, member: write.member });
      return;
    case 'zrem':
      tx.zrem(write.key, ...write.members);
      return;
    case 'rpush':
      tx.rpush(write.key, ...write.values);
      return;
    case 'publish':
      tx.publish(write.channel, write.message);
      return;
  }
}

/** A message as published: the client may have parsed JSON payloads when auto-deserialization is on. */
const asText = (message: unknown): string =>
  typeof message === 'string' ? message : JSON.stringify(message);

/**
 * The store over the Upstash REST protocol (the edge on Workers, other serverless hosts).
 * Every operation is one HTTP request: transactions go to `/multi-exec`, reads are Lua scripts.
 *
 * Create the client with `automaticDeserialization: false` (stored JSON then reaches the zod
 * schemas untouched); a client left on the default still works, at the cost of a parse and a
 * re-serialize per value.
 *
 * Subscriptions use the client's server-sent-events `subscribe`: one streaming request per
 * channel, with no automatic reconnect — socket nodes, which must keep their command channel
 * through Redis outages, subscribe with ioredis; the edge only publishes and polls acks
 * (`maxAckPolls` bounds the polls of one wait).
 */
export function createUpstashStore(redis: Redis, options: UpstashStoreOptions = {}): TelltaleStore {
  const subscribeTimeoutMs = options.subscribeTimeoutMs ?? timings.upstashSubscribeTimeoutMs;
  const active = new Set<Unsubscribe>();

  const transport: RedisTransport = {
    kind: 'upstash',
    longLivedSubscriptions: false,

    async ping() {
      await redis.ping();
    },

    async transaction(writes) {
      const tx = redis.multi();
      for (const write of writes) addWrite(tx, write);
      return await tx.exec();
    },

    script: scriptRunner(
      (sha, keys, args) => redis.evalsha(sha, keys, args),
      (source, keys, args) => redis.eval(source, keys, args),
    ),

    async publish(channel, message) {
      await redis.publish(channel, message);
    },

    async subscribe(channels, onMessage) {
      const subscription = redis.subscribe<unknown>(channels);
      const confirmed = new Promise<void>((resolve, reject) => {
        let pending = channels.length;
        const timer = setTimeout(
          () =>
            reject(
              new Error(
                `Upstash subscribe to ${channels.join(', ')} not confirmed in ${subscribeTimeoutMs} ms`,
              ),
            ),
          subscribeTimeoutMs,
        );
        subscription.on('subscribe', () => {
          pending -= 1;
          if (pending === 0) {
            clearTimeout(timer);
            resolve();
          }
        });
        subscription.on('error', (error) => {
          clearTimeout(timer);
          reject(error);
        });
      });
      subscription.on('message', ({ channel, message }) => onMessage(channel, asText(message)));
      const unsubscribe: Unsubscribe = async () => {
        active.delete(unsubscribe);
        await subscription.unsubscribe();
      };
      active.add(unsubscribe);
      try {
        await confirmed;
      } catch (error) {
        await unsubscribe();
        throw error;
      }
      return unsubscribe;
    },

    async close() {
      await Promise.all([...active].map((unsubscribe) => unsubscribe()));
    },
  };

  return createRedisStore(transport, options);
}
