import { Cluster, type ClusterOptions, Redis, type RedisOptions } from 'ioredis';
import type { RedisClusterSettings } from '../schema/redis-cluster.ts';

export {
  RedisClusterConfig,
  RedisClusterNodes,
  type RedisClusterSettings,
  type RedisTarget,
  redisTargetOf,
} from '../schema/redis-cluster.ts';

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

/**
 * How often a Cluster client re-reads the slot map even without a MOVED: a subscriber that sends
 * no commands notices a reshard of its slot this soon at the latest.
 */
export const CLUSTER_SLOTS_REFRESH_MS = 5000;

/**
 * An ioredis `Cluster` for Telltale from REDIS_CLUSTER_NODES' settings: sharded subscribers on
 * (the store needs them), the seeds' credentials and TLS on every node it discovers. `options`
 * tunes the cluster; `options.redisOptions` each node connection.
 */
export function createIoredisCluster(
  settings: RedisClusterSettings,
  options: Omit<ClusterOptions, 'shardedSubscribers'> = {},
): Cluster {
  const redisOptions: RedisOptions = {
    ...options.redisOptions,
    ...(settings.username ? { username: settings.username } : {}),
    ...(settings.password ? { password: settings.password } : {}),
    ...(settings.tls ? { tls: { ...options.redisOptions?.tls } } : {}),
  };
  return new Cluster(settings.nodes, {
    slotsRefreshInterval: CLUSTER_SLOTS_REFRESH_MS,
    ...options,
    redisOptions,
    shardedSubscribers: true,
  });
}

type MessageHandler = (channel: string, message: string) => void;

/** The transport over ioredis: on a Cluster, sharded pub/sub for the channels the store asks it for. */
interface IoredisTransport extends RedisTransport {
  readonly shardedPubSub: boolean;
  subscribe(
    channels: string[],
    onMessage: MessageHandler,
    options?: { sharded?: boolean },
  ): Promise<Unsubscribe>;
}

/** One kind of subscription (classic or sharded) on one connection: channel → handlers. */
interface Subscriptions {
  handlers: Map<string, Set<MessageHandler>>;
  subscribe(channels: string[]): Promise<unknown>;
  unsubscribe(channels: string[]): Promise<unknown>;
  /** Removes the message listener this store put on a connection it does not own. */
  detach(): void;
}

/**
 * The store over ioredis 5 (Node socket nodes and the Node edge). Pass a connection you own, a
 * redis:// URL (the store then owns and closes it), or a Redis Cluster client.
 *
 * On a plain Redis, subscriptions use one duplicated connection. On a `Cluster` (which must be
 * built with `shardedSubscribers: true`), the command and ack channels use sharded pub/sub through
 * the cluster's own per-shard subscriber connections, so a command's receiver count is exact; after
 * a reshard they follow the slot once the cluster refreshes its slot map (its next MOVED).
 */
export function createIoredisStore(
  redis: Redis | Cluster | string,
  options: IoredisStoreOptions = {},
): TelltaleStore {
  const owned = typeof redis === 'string';
  const client = typeof redis === 'string' ? new Redis(redis) : redis;
  const onError = options.onError ?? (() => {});
  client.on('error', onError);
  const cluster = client instanceof Cluster ? client : null;
  if (cluster && cluster.options.shardedSubscribers !== true) {
    throw new Error(
      'createIoredisStore: build the Cluster with { shardedSubscribers: true } — Telltale sends each node its commands over sharded pub/sub (SPUBLISH / SSUBSCRIBE)',
    );
  }

  const dispatch =
    (handlers: Map<string, Set<MessageHandler>>) =>
    (channel: string, message: string): void => {
      for (const handler of handlers.get(channel) ?? []) handler(channel, message);
    };

  let subscriber: Redis | null = null;
  let classic: Subscriptions | null = null;
  let shardChannels: Subscriptions | null = null;

  const classicSubscriptions = (): Subscriptions => {
    if (classic) return classic;
    const handlers = new Map<string, Set<MessageHandler>>();
    if (cluster) {
      // The cluster keeps one classic subscriber connection of its own; PUBLISH reaches every shard.
      const onMessage = dispatch(handlers);
      cluster.on('message', onMessage);
      classic = {
        handlers,
        subscribe: (channels) => cluster.subscribe(...channels),
        unsubscribe: (channels) => cluster.unsubscribe(...channels),
        detach: () => cluster.off('message', onMessage),
      };
      return classic;
    }
    // Queue SUBSCRIBE until the new connection is up, even when the caller disabled the offline queue.
    const connection = (client as Redis).duplicate({ enableOfflineQueue: true });
    connection.on('error', onError);
    connection.on('message', dispatch(handlers));
    subscriber = connection;
    classic = {
      handlers,
      subscribe: (channels) => connection.subscribe(...channels),
      unsubscribe: (channels) => connection.unsubscribe(...channels),
      detach: () => {},
    };
    return classic;
  };

  const shardedSubscriptions = (on: Cluster): Subscriptions => {
    if (shardChannels) return shardChannels;
    const handlers = new Map<string, Set<MessageHandler>>();
    const onMessage = dispatch(handlers);
    on.on('smessage', onMessage);
    // One channel per call: ioredis routes SSUBSCRIBE by the slot of its channels.
    shardChannels = {
      handlers,
      subscribe: (channels) => Promise.all(channels.map((channel) => on.ssubscribe(channel))),
      unsubscribe: (channels) => Promise.all(channels.map((channel) => on.sunsubscribe(channel))),
      detach: () => on.off('smessage', onMessage),
    };
    return shardChannels;
  };

  const runScript = scriptRunner(
    (sha, keys, args) => client.evalsha(sha, keys.length, ...keys, ...args),
    (source, keys, args) => client.eval(source, keys.length, ...keys, ...args),
  );

  const transport: IoredisTransport = {
    kind: 'ioredis',
    longLivedSubscriptions: true,
    shardedPubSub: cluster !== null,

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

    async subscribe(channels, onMessage, subscribeOptions): Promise<Unsubscribe> {
      const subscriptions =
        cluster && subscribeOptions?.sharded ? shardedSubscriptions(cluster) : classicSubscriptions();
      const { handlers } = subscriptions;
      const fresh = channels.filter((channel) => !handlers.has(channel));
      for (const channel of channels) {
        const set = handlers.get(channel) ?? new Set();
        set.add(onMessage);
        handlers.set(channel, set);
      }
      if (fresh.length > 0) await subscriptions.subscribe(fresh);
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
        if (idle.length > 0) await subscriptions.unsubscribe(idle);
      };
    },

    async close() {
      const subscriptions = [classic, shardChannels].filter((s): s is Subscriptions => s !== null);
      // A cluster the caller owns stays open: leave only the channels this store subscribed to.
      if (cluster && !owned) {
        await Promise.all(
          subscriptions.map(async (s) => {
            const channels = [...s.handlers.keys()];
            if (channels.length > 0) await s.unsubscribe(channels).catch(() => {});
          }),
        );
      }
      for (const s of subscriptions) {
        s.handlers.clear();
        s.detach();
      }
      classic = null;
      shardChannels = null;
      const connections = [subscriber, owned ? client : null].filter((c): c is Redis | Cluster => c !== null);
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
