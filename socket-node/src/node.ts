import { once } from 'node:events';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createAdapter, createShardedAdapter } from '@socket.io/redis-adapter';
import type { TelltaleStore, Unsubscribe } from '@telltale/shared';
import {
  createIoredisCluster,
  createIoredisStore,
  type RedisClusterSettings,
} from '@telltale/shared/store/ioredis';
import { createMemoryStore } from '@telltale/shared/store/memory';
import { type Cluster, Redis } from 'ioredis';
import { Server } from 'socket.io';
import { mountAdmin } from './chat/admin.ts';
import { authMiddleware, createTokenVerifier, NAMESPACE_ROLES, principalOf } from './chat/auth.ts';
import { relayBusinessEvents } from './chat/business-events.ts';
import { mountConversations } from './chat/conversations.ts';
import { ATTENDANTS_ROOM, type NodeClientEvents, type NodeServerEvents } from './chat/events.ts';
import { PresenceTracker } from './chat/presence.ts';
import type { SocketNodeSettings } from './config.ts';
import { createHttpHandler } from './http/routes.ts';
import { instrument } from './instrument/index.ts';
import type { Instrumentation } from './instrument/instrumentation.ts';
import { consoleLogger, describeError, type InstrumentLogger } from './instrument/log.ts';

export interface SocketNodeDeps {
  /** Use this store instead of one built from the settings (the edge's embedded mode shares its memory store). */
  store?: TelltaleStore;
  log?: InstrumentLogger;
}

export interface SocketNode {
  readonly port: number;
  /** `http://<host>:<port>`; namespaces live under it (`${url}/hub`). */
  readonly url: string;
  readonly nodeId: string;
  readonly cluster: string;
  readonly io: Server<NodeClientEvents, NodeServerEvents>;
  readonly instrumentation: Instrumentation;
  readonly presence: PresenceTracker;
  readonly store: TelltaleStore;
  /**
   * Graceful stop: not ready, no new connections, presence withdrawn, final flush and
   * deregistration, then every client is cut at the transport so it reconnects elsewhere.
   * Resolves within `shutdownTimeoutMs` whatever hangs.
   */
  close(): Promise<void>;
}

/** How long startup waits for Redis before serving without it (flushes retry until it is back). */
const REDIS_STARTUP_WAIT_MS = 3000;

/** Starts the reference chat node (/hub, /portal, /admin) on the settings' port, instrumented. */
export async function startSocketNode(
  settings: SocketNodeSettings,
  deps: SocketNodeDeps = {},
): Promise<SocketNode> {
  const log = deps.log ?? consoleLogger;
  const redisTarget: RedisTarget | null = settings.redisCluster
    ? { kind: 'cluster', cluster: settings.redisCluster }
    : settings.redisUrl
      ? { kind: 'server', url: settings.redisUrl }
      : null;
  const redis = redisTarget ? connectRedis(redisTarget, log, settings.flushIntervalMs) : null;
  const store =
    deps.store ??
    (redis ? createIoredisStore(redis.store) : createMemoryStore({ onError: (e) => log.error(String(e)) }));
  const ownsStore = !deps.store;
  const clusterStore = store.forCluster(settings.cluster);

  let instrumentation: Instrumentation | null = null;
  const http = createServer((req, res) => {
    if (instrumentation) httpHandler(req, res);
    else {
      res.writeHead(503, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ status: 'starting' }));
    }
  });
  const io = new Server<NodeClientEvents, NodeServerEvents>(http, { cors: { origin: true } });
  if (redis) io.adapter(redis.adapter());

  instrumentation = instrument(io, {
    store,
    cluster: settings.cluster,
    nodeId: settings.nodeId,
    flushIntervalMs: settings.flushIntervalMs,
    version: settings.version,
    commandSigningKey: settings.commandSigningKey ?? null,
    ...(settings.commandClockSkewMs === undefined ? {} : { commandClockSkewMs: settings.commandClockSkewMs }),
    ...(settings.trustedProxies ? { trustedProxies: settings.trustedProxies } : {}),
    identify: (socket) => {
      const principal = principalOf(socket);
      return { userId: principal?.userId ?? null, role: principal?.role ?? null };
    },
    presence: () => presence.snapshot(),
    log,
  });
  const httpHandler = createHttpHandler(instrumentation);

  const hub = io.of('/hub');
  const portal = io.of('/portal');
  const admin = io.of('/admin');
  const presence = new PresenceTracker({
    store: clusterStore,
    nodeId: settings.nodeId,
    timings: settings.presence,
    announce: (userId, change, role) => {
      if (role === 'client') return;
      hub.to(ATTENDANTS_ROOM).emit(`attendant:${change}`, { userId, at: Date.now() });
    },
    log,
  });

  io.of('/').use((_socket, next) => next(new Error('connect to /hub, /portal or /admin')));
  const verify = createTokenVerifier(settings.jwt);
  if (!settings.jwt) log.warn('no JWT_SECRET or JWT_JWKS_URL: every connection will be refused');
  const counted = instrumentation;
  for (const nsp of [hub, portal, admin]) {
    nsp.use(authMiddleware(verify, NAMESPACE_ROLES[nsp.name] ?? [], () => counted.recordAuthFailure()));
  }
  mountConversations(hub, portal, { instrumentation, presence });
  const stopAdmin = mountAdmin(admin, {
    store: clusterStore,
    intervalMs: settings.flushIntervalMs,
    instrumentation,
    log,
  });

  let unsubscribeEvents: Unsubscribe | null = null;
  let eventsRetry: NodeJS.Timeout | null = null;
  const subscribeEvents = async (): Promise<void> => {
    try {
      unsubscribeEvents = await relayBusinessEvents(io, clusterStore, {
        instrumentation: counted,
        log,
      });
    } catch (error) {
      log.warn(`subscribing to business events failed, will retry: ${describeError(error)}`);
      eventsRetry = setTimeout(() => void subscribeEvents(), settings.flushIntervalMs);
      eventsRetry.unref();
    }
  };

  if (redis) {
    await redis.ready;
    // Redis is back: rewrite the sockets hash and report at once instead of at the next tick.
    redis.onReconnect(() => {
      counted.resyncSockets();
      void counted.flushNow();
    });
  }
  await subscribeEvents();
  http.listen(settings.port, settings.host);
  await once(http, 'listening');
  await instrumentation.start();

  const { port } = http.address() as AddressInfo;
  const host =
    settings.host && settings.host !== '0.0.0.0' && settings.host !== '::' ? settings.host : '127.0.0.1';
  let closing: Promise<void> | null = null;

  const shutdown = async (): Promise<void> => {
    counted.drain();
    http.close();
    if (eventsRetry) clearTimeout(eventsRetry);
    stopAdmin();
    await unsubscribeEvents?.().catch(() => {});
    await presence.stop();
    await counted.stop({ deregister: true });
    await io.close();
    if (ownsStore) await store.close().catch(() => {});
    await redis?.close();
  };

  return {
    port,
    url: `http://${host.includes(':') ? `[${host}]` : host}:${port}`,
    nodeId: settings.nodeId,
    cluster: settings.cluster,
    io,
    instrumentation,
    presence,
    store,
    close() {
      closing ??= new Promise<void>((resolve) => {
        const deadline = setTimeout(() => {
          log.warn(`shutdown took longer than ${settings.shutdownTimeoutMs} ms; closing anyway`);
          http.closeAllConnections();
          resolve();
        }, settings.shutdownTimeoutMs);
        shutdown()
          .catch((error: unknown) => log.error(`shutdown failed: ${describeError(error)}`))
          .finally(() => {
            clearTimeout(deadline);
            resolve();
          });
      });
      return closing;
    },
  };
}

/** One Redis (REDIS_URL) or a Redis Cluster (REDIS_CLUSTER_NODES). */
type RedisTarget = { kind: 'server'; url: string } | { kind: 'cluster'; cluster: RedisClusterSettings };

interface RedisConnections {
  /** The store's connection (on one Redis it duplicates one for its subscriptions). */
  store: Redis | Cluster;
  /**
   * The Socket.IO adapter over its own publisher and subscriber: classic pub/sub on one Redis, the
   * sharded adapter (SPUBLISH / SSUBSCRIBE, channels spread over the shards) on a Cluster.
   */
  adapter(): ReturnType<typeof createAdapter> | ReturnType<typeof createShardedAdapter>;
  /** Resolves once the store's connection is up, or after a bounded wait when Redis is down. */
  ready: Promise<void>;
  onReconnect(listener: () => void): void;
  close(): Promise<void>;
}

/**
 * Connections for the store and the adapter. Commands fail after one reconnect attempt instead of
 * queueing for ever, so a flush during an outage fails fast and is retried; an error listener on
 * every connection keeps an outage from becoming an unhandled 'error' event.
 */
function connectRedis(target: RedisTarget, log: InstrumentLogger, flushIntervalMs: number): RedisConnections {
  // Reconnect attempts back off, but never wait longer than one flush interval: flushing must
  // resume within an interval of Redis returning (ioredis' default grows to 2 s).
  const retryStrategy = (attempt: number) => Math.min(50 * 2 ** attempt, flushIntervalMs, 2000);
  const connect = (options: { connectionName: string; maxRetriesPerRequest?: number }): Redis | Cluster =>
    target.kind === 'server'
      ? new Redis(target.url, { ...options, retryStrategy })
      : createIoredisCluster(target.cluster, { clusterRetryStrategy: retryStrategy, redisOptions: options });
  const store = connect({ connectionName: 'telltale-node', maxRetriesPerRequest: 1 });
  const pub = connect({ connectionName: 'telltale-node', maxRetriesPerRequest: 1 });
  const sub = connect({ connectionName: 'telltale-node-adapter' });
  let down = false;
  const onError = (error: Error) => {
    if (down) return;
    down = true;
    log.warn(`Redis connection lost (${error.message}); serving local sockets, retrying with backoff`);
  };
  for (const connection of [store, pub, sub]) connection.on('error', onError);
  // The adapter ignores the promise of its publishes; a refused one must not be an unhandled rejection.
  const publish = pub.publish.bind(pub);
  pub.publish = ((channel: string, message: string) => {
    const sent = publish(channel, message);
    sent.catch(onError);
    return sent;
  }) as Redis['publish'];
  const spublish = pub.spublish.bind(pub);
  pub.spublish = ((channel: string, message: string) => {
    const sent = spublish(channel, message);
    sent.catch(onError);
    return sent;
  }) as Redis['spublish'];

  const reconnectListeners: (() => void)[] = [];
  let seenReady = false;
  store.on('ready', () => {
    if (seenReady) {
      down = false;
      log.info('Redis connection is back');
      for (const listener of reconnectListeners) listener();
    }
    seenReady = true;
  });
  const ready = new Promise<void>((resolve) => {
    const timer = setTimeout(() => {
      log.warn(`${redacted(target)} not reachable within ${REDIS_STARTUP_WAIT_MS} ms; starting without it`);
      resolve();
    }, REDIS_STARTUP_WAIT_MS);
    timer.unref();
    store.once('ready', () => {
      clearTimeout(timer);
      resolve();
    });
  });

  return {
    store,
    // Static subscriptions: two channels per namespace, not one per room (a user room per user).
    adapter: () =>
      target.kind === 'server'
        ? createAdapter(pub, sub)
        : createShardedAdapter(pub, sub, { subscriptionMode: 'static' }),
    ready,
    onReconnect: (listener) => reconnectListeners.push(listener),
    async close() {
      await Promise.all(
        [pub, sub, store].map(async (connection) => {
          try {
            await connection.quit();
          } catch {
            connection.disconnect();
          }
        }),
      );
    },
  };
}

/** Where Redis is, for a log line: never a password. */
function redacted(target: RedisTarget): string {
  if (target.kind === 'cluster')
    return `Redis Cluster at ${target.cluster.nodes.map((n) => `${n.host}:${n.port}`).join(',')}`;
  return `Redis at ${redactedUrl(target.url)}`;
}

function redactedUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return 'the configured REDIS_URL';
  }
}
