import { Redis } from 'ioredis';
import type { TelltaleStore, Unsubscribe } from './port.ts';
import {
  createRedisStore,
  type RedisStoreOptions,
  type RedisTransport,
  scriptRunner,
  writeOpArgs,
} from './redis-store.ts';

export interface IoredisStoreOptions extends RedisStoreOptions {
  /**
   * Connection errors of every connection the store uses (ioredis reconnects by itself).
   * A listener is always attached, so a Redis outage never becomes an unhandled 'error' event.
   */
  onError?: (error: Error) => void;
}

type MessageHandler = (channel: string, message: string) => void;

/**
 * The store over ioredis 5 (Node socket nodes and the Node edge). Pass a connection you own or a
 * redis:// URL (the store then owns and closes it). Subscriptions use one duplicated connection.
 */
export function createIoredisStore(redis: Redis | string, options: IoredisStoreOptions = {}): TelltaleStore {
  const owned = typeof redis === 'string';
  const client = typeof redis === 'string' ? new Redis(redis) : redis;
  const onError = options.onError ?? (() => {});
  client.on('error', onError);

  let subscriber: Redis | null = null;
  const handlers = new Map<string, Set<MessageHandler>>();

  const subscriberConnection = (): Redis => {
    if (subscriber) return subscriber;
    // Queue SUBSCRIBE until the new connection is up, even when the caller disabled the offline queue.
    const connection = client.duplicate({ enableOfflineQueue: true });
    connection.on('error', onError);
    connection.on('message', (channel: string, message: string) => {
      for (const handler of handlers.get(channel) ?? []) handler(channel, message);
    });
    subscriber = connection;
    return connection;
  };

  const runScript = scriptRunner(
    (sha, keys, args) => client.evalsha(sha, keys.length, ...keys, ...args),
    (source, keys, args) => client.eval(source, keys.length, ...keys, ...args),
  );

  const transport: RedisTransport = {
    kind: 'ioredis',
    longLivedSubscriptions: true,

    async ping() {
      await client.ping();
    },

    async transaction(writes) {
      const multi = client.multi();
      for (const write of writes) {
        const [command, ...args] = writeOpArgs(write);
        multi.call(command, ...args);
      }
      const results = await multi.exec();
      if (!results) throw new Error('Redis transaction was aborted');
      for (const [error] of results) if (error) throw error;
      return results.map(([, reply]) => reply);
    },

    script: runScript,

    async publish(channel, message) {
      await client.publish(channel, message);
    },

    async subscribe(channels, onMessage): Promise<Unsubscribe> {
      const connection = subscriberConnection();
      const fresh = channels.filter((channel) => !handlers.has(channel));
      for (const channel of channels) {
        const set = handlers.get(channel) ?? new Set();
        set.add(onMessage);
        handlers.set(channel, set);
      }
      if (fresh.length > 0) await connection.subscribe(...fresh);
      let active = true;
      return async () => {
        if (!active) return;
        active = false;
        const idle: string[] = [];
        for (const channel of channels) {
          const set = handlers.get(channel);
          set?.delete(onMessage);
          if (set?.size === 0) {
            handlers.delete(channel);
            idle.push(channel);
          }
        }
        if (idle.length > 0) await connection.unsubscribe(...idle);
      };
    },

    async close() {
      handlers.clear();
      const connections = [subscriber, owned ? client : null].filter((c): c is Redis => c !== null);
      await Promise.all(
        connections.map(async (connection) => {
          try {
            await connection.quit();
          } catch {
            connection.disconnect();
          }
        }),
      );
      subscriber = null;
    },
  };

  return createRedisStore(transport, options);
}
