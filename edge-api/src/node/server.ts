import type { AddressInfo } from 'node:net';
import { type ServerType, serve } from '@hono/node-server';
import { getConnInfo } from '@hono/node-server/conninfo';
import { createNodeWebSocket } from '@hono/node-ws';
import type { EdgeConfig, TelltaleStore } from '@telltale/shared';
import { type RedisClusterSettings, redisTargetOf } from '@telltale/shared/store/ioredis';
import { tapStoreOf } from '@telltale/shared/tap';
import type { Context, Hono } from 'hono';
import type { WSContext, WSEvents } from 'hono/ws';
import type { WebSocket } from 'ws';
import { createInProcessAggregator, type InProcessAggregator } from '../aggregator/in-process.ts';
import { aggregatorOptions } from '../aggregator/options.ts';
import type { AggregatorLogger, LiveConnection, SubscriberState } from '../aggregator/runtime.ts';
import { createApp } from '../app.ts';
import type { AppDeps } from '../context.ts';
import { openRedisStatusStorage } from '../status/node-storage.ts';
import type { StatusStorage } from '../status/storage.ts';

export interface EdgeServerOptions {
  /** The edge's config; on Node it may name a Redis Cluster (REDIS_CLUSTER_NODES) instead of REDIS_URL. */
  config: EdgeConfig & { REDIS_CLUSTER_NODES?: RedisClusterSettings | undefined };
  store: TelltaleStore;
  /** Default 127.0.0.1 in tests; main.ts passes 0.0.0.0. */
  hostname?: string;
  dashboard?: Hono;
  logger?: AggregatorLogger;
  /** The status history's storage; default the edge's Redis or Redis Cluster (kept across restarts), else memory. */
  statusStorage?: StatusStorage;
  /** Admin rate limits (AppDeps' defaults otherwise). */
  rateLimits?: Pick<AppDeps, 'adminRateLimit' | 'clientRateLimit'>;
}

export interface RunningEdge {
  url: string;
  port: number;
  app: ReturnType<typeof createApp>;
  aggregator: InProcessAggregator;
  close(): Promise<void>;
}

/**
 * The edge on Node: the in-process aggregator (timer + memory history), the Hono app on
 * @hono/node-server, and `/admin/ws` upgraded by @hono/node-ws. The store is the caller's to close.
 */
export async function startEdgeServer(options: EdgeServerOptions): Promise<RunningEdge> {
  const { config } = options;
  const store = options.store.forCluster(config.CLUSTER_ID);
  const hostname = options.hostname ?? '127.0.0.1';
  const redis = redisTargetOf(config);
  const redisStatus =
    !options.statusStorage && redis.kind !== 'none'
      ? await openRedisStatusStorage(redis, config.CLUSTER_ID)
      : null;
  const statusStorage = options.statusStorage ?? redisStatus?.storage;
  const aggregator = createInProcessAggregator({
    ...(statusStorage ? { statusStorage } : {}),
    ...aggregatorOptions(config, store),
    externalUrl:
      config.PUBLIC_URL ?? `http://${hostname === '0.0.0.0' ? 'localhost' : hostname}:${config.PORT}`,
    logger: options.logger,
  });

  let upgrade: ((c: Context, events: WSEvents<WebSocket>) => Promise<Response>) | null = null;
  let sockets = 0;
  const app = createApp({
    config,
    store,
    aggregator: aggregator.client,
    dashboard: options.dashboard,
    ...options.rateLimits,
    // The TCP peer: behind a reverse proxy that is the proxy, so its clients share one bucket.
    clientAddress: (c) => (c.env ? getConnInfo(c).remote.address : undefined),
    taps: tapStoreOf(options.store, config.CLUSTER_ID),
    liveFeed: (c) => {
      if (!upgrade) throw new Error('WebSocket support is not wired yet');
      return upgrade(c, feedEvents(aggregator, `ws-${++sockets}`));
    },
  });
  const nodeWs = createNodeWebSocket({ app });
  upgrade = (c, events) => nodeWs.upgradeWebSocket(c, events);

  await aggregator.start();
  const server = await listen(app.fetch, config.PORT, hostname);
  nodeWs.injectWebSocket(server);
  const port = (server.address() as AddressInfo).port;

  return {
    url: `http://${hostname === '0.0.0.0' ? '127.0.0.1' : hostname}:${port}`,
    port,
    app,
    aggregator,
    async close() {
      await aggregator.stop();
      await redisStatus?.close();
      for (const client of nodeWs.wss.clients) client.terminate();
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      // Streams (SSE) and keep-alive sockets would hold close() open; give replies in flight a moment.
      const cutoff = setTimeout(() => {
        if ('closeAllConnections' in server) server.closeAllConnections();
      }, 1000);
      await closed;
      clearTimeout(cutoff);
    },
  };
}

function listen(
  fetch: (request: Request) => Response | Promise<Response>,
  port: number,
  hostname: string,
): Promise<ServerType> {
  return new Promise((resolve, reject) => {
    const server = serve({ fetch, port, hostname }, () => resolve(server));
    server.once('error', reject);
  });
}

/** Adapts one node-ws socket to the aggregator's LiveConnection and lifecycle hooks. */
function feedEvents(aggregator: InProcessAggregator, id: string): WSEvents<WebSocket> {
  let connection: LiveConnection | null = null;
  return {
    onOpen(_event, ws) {
      connection = wsConnection(id, ws);
      aggregator.connect(connection);
    },
    onMessage(event, _ws) {
      if (!connection) return;
      const data = event.data;
      if (typeof data === 'string' || data instanceof ArrayBuffer)
        aggregator.aggregator.onMessage(connection, data);
    },
    onClose() {
      if (connection) aggregator.disconnect(connection);
      connection = null;
    },
  };
}

function wsConnection(id: string, ws: WSContext<WebSocket>): LiveConnection {
  let state: SubscriberState = { paused: false };
  return {
    id,
    send(message) {
      // OPEN only; a closing socket is dropped from the hub by its close event.
      if (ws.readyState === 1) ws.send(message);
    },
    close: (code, reason) => ws.close(code, reason),
    get state() {
      return state;
    },
    setState(next) {
      state = next;
    },
  };
}
