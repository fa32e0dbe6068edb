import { randomBytes } from 'node:crypto';
import type { ClusterView } from '@telltale/shared';
import { DEFAULT_PRESENCE, type SocketNode, silentLogger, startSocketNode } from '@telltale/socket-node';
import type { Socket } from 'socket.io-client';
import { freePort, type RedisProcess, startRedis } from '../../../test/support/redis.ts';
import { startUpstashRestServer, type UpstashRestServer } from '../../../tools/upstash-rest/server.ts';
import { connectClient, fetchClusterView } from '../cluster-clients.ts';
import { startWranglerDev, type WranglerDev } from './wrangler-dev.ts';

/** How often the socket nodes flush and the Worker's aggregator ticks. */
export const INTERVAL_MS = 500;

/**
 * A cluster as the Worker meets it in production: a real Redis with the Upstash-REST server in
 * front of it, real socket nodes flushing into that Redis, and the Worker in real workerd
 * (`wrangler dev --local`, its aggregator a Durable Object) reading it over REST.
 */
export class ClusterUnderWrangler {
  readonly adminToken = randomBytes(24).toString('hex');
  private readonly nodeSecret = randomBytes(24).toString('hex');
  private readonly nodes: SocketNode[] = [];
  private readonly clients: Socket[] = [];
  private worker: WranglerDev | null = null;

  private constructor(
    readonly cluster: string,
    private readonly redis: RedisProcess,
    private readonly rest: UpstashRestServer,
    private readonly restToken: string,
  ) {}

  /** Redis and its REST server; nodes, clients and the Worker follow in the order a suite wants. */
  static async start(cluster: string): Promise<ClusterUnderWrangler> {
    const redis = await startRedis();
    const restToken = randomBytes(24).toString('hex');
    try {
      const rest = await startUpstashRestServer({
        port: await freePort(),
        redisUrl: redis.url,
        token: restToken,
      });
      return new ClusterUnderWrangler(cluster, redis, rest, restToken);
    } catch (error) {
      await redis.stop();
      throw error;
    }
  }

  /** The Worker's base URL. */
  get url(): string {
    if (!this.worker) throw new Error('the Worker is not running yet: call startWorker() first');
    return this.worker.url;
  }

  /** An in-process socket node on loopback, flushing into the cluster's Redis. */
  async startSocketNode(nodeId: string): Promise<SocketNode> {
    const node = await startSocketNode(
      {
        port: 0,
        host: '127.0.0.1',
        nodeId,
        cluster: this.cluster,
        redisUrl: this.redis.url,
        flushIntervalMs: INTERVAL_MS,
        shutdownTimeoutMs: 3000,
        jwt: { kind: 'secret', secret: this.nodeSecret },
        presence: DEFAULT_PRESENCE,
        version: '0.1.0',
      },
      { log: silentLogger },
    );
    this.nodes.push(node);
    return node;
  }

  /** A customer on `node`'s /portal, closed by stop(). */
  async connectClient(node: SocketNode, sub: string): Promise<Socket> {
    const socket = await connectClient(`${node.url}/portal`, this.nodeSecret, { sub, role: 'client' });
    this.clients.push(socket);
    return socket;
  }

  /** A socket node of this cluster, closed now (its clients reconnect nowhere). */
  async stopSocketNode(node: SocketNode): Promise<void> {
    this.nodes.splice(this.nodes.indexOf(node), 1);
    await node.close();
  }

  /**
   * The Worker, expecting as many nodes as were started before it (at least one). `vars` add to or
   * override its settings; `persistTo` keeps the Durable Object's storage for a restart.
   */
  async startWorker(
    options: { vars?: Record<string, string>; persistTo?: string } = {},
  ): Promise<WranglerDev> {
    this.worker = await startWranglerDev({
      port: await freePort(),
      readyTimeoutMs: 45_000,
      ...(options.persistTo ? { persistTo: options.persistTo } : {}),
      vars: {
        CLUSTER_ID: this.cluster,
        UPSTASH_REDIS_REST_URL: this.rest.url,
        UPSTASH_REDIS_REST_TOKEN: this.restToken,
        ADMIN_TOKEN: this.adminToken,
        FLUSH_INTERVAL_MS: String(INTERVAL_MS),
        TICK_INTERVAL_MS: String(INTERVAL_MS),
        EXPECTED_NODES: String(Math.max(1, this.nodes.length)),
        ...options.vars,
      },
    });
    return this.worker;
  }

  async stopWorker(): Promise<void> {
    await this.worker?.stop();
    this.worker = null;
  }

  /** The view the Worker's /metrics serves, read fresh from the store. */
  metrics(): Promise<ClusterView> {
    return fetchClusterView(this.url, { adminToken: this.adminToken, fresh: true });
  }

  /** Clients, the Worker, the nodes, then the REST server and Redis; safe after a partial start. */
  async stop(): Promise<void> {
    for (const socket of this.clients) socket.close();
    await this.worker?.stop();
    for (const node of this.nodes) await node.close();
    await this.rest.close();
    await this.redis.stop();
  }
}
