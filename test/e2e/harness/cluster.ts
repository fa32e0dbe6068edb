import { type RedisProcess, startRedis } from '../../support/redis.ts';
import { ClientPool } from './clients.ts';
import { EdgeProcess } from './edge.ts';
import { type LoadBalancer, type LoadBalancerKind, startHaproxy, startNginx } from './load-balancer.ts';
import { SocketNodeProcess } from './socket-node.ts';
import { waitFor } from './wait.ts';

export interface ClusterOptions {
  loadBalancer?: LoadBalancerKind;
  /** Socket node flush interval; the edge ticks at the same pace unless told otherwise. */
  flushIntervalMs?: number;
  tickIntervalMs?: number;
  /** Socket nodes open their V8 inspector on loopback (`heapAfterGc`). */
  inspectable?: boolean;
  commandTimeoutMs?: number;
  shutdownTimeoutMs?: number;
  /** EXPECTED_NODES at the edge; default 3 (all of them). */
  expectedNodes?: number;
  /** The edge's ADMIN_CLIENT_RATE_LIMIT (`<burst>/<per second>`); default the edge's own. */
  clientRateLimit?: string;
}

/** Secrets of a test cluster, long and recognisable so a leak into a log or answer is easy to find. */
export interface ClusterSecrets {
  jwtSecret: string;
  adminToken: string;
}

const NODE_IDS = ['node-a', 'node-b', 'node-c'] as const;

/**
 * The cluster of issue 6: a private Redis, three socket nodes, a sticky load balancer in front of
 * them, and the edge API, each a real process. Scenarios drive it through the methods here.
 */
export class Cluster {
  readonly clients: ClientPool;

  private constructor(
    readonly cluster: string,
    readonly secrets: ClusterSecrets,
    readonly redis: RedisProcess,
    readonly nodes: SocketNodeProcess[],
    readonly lb: LoadBalancer,
    readonly edge: EdgeProcess,
    readonly flushIntervalMs: number,
  ) {
    this.clients = new ClientPool(lb.url, secrets.jwtSecret);
  }

  static async start(options: ClusterOptions = {}): Promise<Cluster> {
    const flushIntervalMs = options.flushIntervalMs ?? 500;
    const cluster = `e2e-${process.pid}-${Math.floor(Math.random() * 1e6)}`;
    const secrets: ClusterSecrets = {
      jwtSecret: `jwt-secret-${cryptoRandom()}`,
      adminToken: `admin-token-${cryptoRandom()}`,
    };
    const redis = await startRedis();
    const started: { stop(): Promise<unknown> }[] = [{ stop: () => redis.stop() }];
    try {
      const nodes = await Promise.all(
        NODE_IDS.map((nodeId) =>
          SocketNodeProcess.create({
            nodeId,
            cluster,
            redisUrl: redis.url,
            jwtSecret: secrets.jwtSecret,
            flushIntervalMs,
            shutdownTimeoutMs: options.shutdownTimeoutMs ?? 5000,
            inspectable: options.inspectable ?? false,
          }),
        ),
      );
      const edge = await EdgeProcess.create({
        cluster,
        redisUrl: redis.url,
        adminToken: secrets.adminToken,
        jwtSecret: secrets.jwtSecret,
        flushIntervalMs,
        tickIntervalMs: options.tickIntervalMs ?? flushIntervalMs,
        expectedNodes: options.expectedNodes ?? NODE_IDS.length,
        commandTimeoutMs: options.commandTimeoutMs ?? 1500,
        ...(options.clientRateLimit ? { clientRateLimit: options.clientRateLimit } : {}),
      });
      for (const node of nodes) started.push({ stop: () => node.kill() });
      started.push({ stop: () => edge.process.stop('SIGKILL', 0) });
      await Promise.all([...nodes.map((node) => node.start()), edge.start()]);
      const addresses = nodes.map((node) => node.address);
      const lb = await (options.loadBalancer === 'nginx' ? startNginx(addresses) : startHaproxy(addresses));
      const running = new Cluster(cluster, secrets, redis, nodes, lb, edge, flushIntervalMs);
      await running.waitForLiveNodes(NODE_IDS.length);
      return running;
    } catch (error) {
      await Promise.allSettled(started.map((s) => s.stop()));
      throw error;
    }
  }

  node(id: string): SocketNodeProcess {
    const node = this.nodes.find((n) => n.id === id);
    if (!node) throw new Error(`no node ${id} in this cluster`);
    return node;
  }

  /** The HAProxy cookie value that pins a client to a node (`node-b` is `node2`). */
  cookieOf(id: string): string {
    return `node${this.nodes.findIndex((n) => n.id === id) + 1}`;
  }

  /** Waits until the edge sees exactly `count` live nodes. */
  async waitForLiveNodes(count: number, timeoutMs = 30_000): Promise<void> {
    await waitFor(async () => (await this.edge.metrics()).nodes.live === count, {
      timeoutMs,
      what: `${count} live nodes at the edge`,
    });
  }

  /** Everything every process of the cluster logged. */
  logs(): string {
    return [this.edge, ...this.nodes, this.lb]
      .map((p) => `── ${p.process.name}\n${p.process.output()}`)
      .join('\n');
  }

  async stop(): Promise<void> {
    await this.clients.closeAll();
    await Promise.allSettled([this.lb.stop(), this.edge.stop(), ...this.nodes.map((n) => n.terminate(5000))]);
    await this.redis.stop();
  }
}

function cryptoRandom(): string {
  return crypto.randomUUID().replaceAll('-', '');
}
