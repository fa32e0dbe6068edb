import { once } from 'node:events';
import { WebSocket } from 'ws';
import { freePort } from '../../support/redis.ts';
import { request } from './http.ts';
import { type Exit, type ManagedProcess, nodeProcess } from './process.ts';
import { GiveUp, waitFor } from './wait.ts';

export interface SocketNodeEnv {
  nodeId: string;
  cluster: string;
  redisUrl: string;
  /** REDIS_CLUSTER_NODES instead of REDIS_URL: the process runs on a Redis Cluster. */
  redisClusterNodes?: string;
  jwtSecret: string;
  flushIntervalMs: number;
  shutdownTimeoutMs: number;
  /** Opens the V8 inspector on a loopback port, so a test can force a GC and read the heap. */
  inspectable?: boolean;
}

/**
 * One socket node as an operator runs it: the `telltale-node` bin in its own process, configured
 * only through its environment variables (README, "Configuration").
 */
export class SocketNodeProcess {
  readonly process: ManagedProcess;

  private constructor(
    readonly env: SocketNodeEnv,
    readonly port: number,
  ) {
    this.process = nodeProcess(
      env.nodeId,
      'socket-node/bin/telltale-node.js',
      [],
      {
        PORT: String(port),
        NODE_ID: env.nodeId,
        CLUSTER_ID: env.cluster,
        ...(env.redisClusterNodes
          ? { REDIS_CLUSTER_NODES: env.redisClusterNodes }
          : { REDIS_URL: env.redisUrl }),
        JWT_SECRET: env.jwtSecret,
        FLUSH_INTERVAL_MS: String(env.flushIntervalMs),
        SHUTDOWN_TIMEOUT_MS: String(env.shutdownTimeoutMs),
      },
      env.inspectable ? ['--inspect=127.0.0.1:0'] : [],
    );
  }

  static async create(env: SocketNodeEnv): Promise<SocketNodeProcess> {
    return new SocketNodeProcess(env, await freePort());
  }

  get id(): string {
    return this.env.nodeId;
  }

  /** host:port, as the load balancers address it. */
  get address(): string {
    return `127.0.0.1:${this.port}`;
  }

  get url(): string {
    return `http://${this.address}`;
  }

  /** Starts the process and resolves once `/health/ready` answers 200. */
  async start(timeoutMs = 60_000): Promise<void> {
    this.process.start();
    await this.waitReady(timeoutMs);
  }

  async waitReady(timeoutMs = 60_000): Promise<void> {
    let last = 'no answer yet';
    try {
      await waitFor(
        async () => {
          if (!this.process.running) throw new GiveUp(`${this.id} exited:\n${this.process.tail()}`);
          const answer = await request(`${this.url}/health/ready`, { timeoutMs: 2000 }).catch(
            (e: Error) => e,
          );
          last = answer instanceof Error ? answer.message : `${answer.status} ${answer.text}`;
          return !(answer instanceof Error) && answer.status === 200;
        },
        { timeoutMs, what: `${this.id} ready`, intervalMs: 100 },
      );
    } catch (error) {
      if (error instanceof GiveUp) throw error;
      throw new Error(
        `${this.id} not ready within ${timeoutMs} ms (last: ${last}); its log:\n${this.process.tail()}`,
      );
    }
  }

  /** `/health/ready` as the load balancer sees it. */
  readiness(): Promise<{ status: number; body: unknown }> {
    return request(`${this.url}/health/ready`, { timeoutMs: 3000 }).then((a) => ({
      status: a.status,
      body: a.json,
    }));
  }

  /** SIGTERM: the graceful path (drain, final flush, deregister); SIGKILL after `graceMs`. */
  terminate(graceMs = 15_000): Promise<Exit> {
    return this.process.stop('SIGTERM', graceMs);
  }

  /** `kill -9`: no flush, no deregistration, sockets cut. */
  async kill(): Promise<Exit> {
    return this.process.stop('SIGKILL', 0);
  }

  output(): string {
    return this.process.output();
  }

  /**
   * Forces a full garbage collection in the node through its inspector, then returns V8's used heap
   * in bytes: a number that does not depend on when V8 last chose to collect.
   */
  async heapAfterGc(): Promise<number> {
    if (!this.env.inspectable) throw new Error(`${this.id} was not started inspectable`);
    const urls = [...this.output().matchAll(/Debugger listening on (ws:\/\/127\.0\.0\.1:\d+\/\S+)/g)];
    const url = urls.at(-1)?.[1];
    if (!url) throw new Error(`${this.id} printed no inspector address:\n${this.process.tail()}`);
    return inspect(url, async (call) => {
      await call('HeapProfiler.collectGarbage');
      const usage = (await call('Runtime.getHeapUsage')) as { usedSize: number };
      return usage.usedSize;
    });
  }
}

type InspectorCall = (method: string) => Promise<unknown>;

/** One short Chrome DevTools Protocol session with a Node process's inspector. */
async function inspect<T>(url: string, session: (call: InspectorCall) => Promise<T>): Promise<T> {
  const socket = new WebSocket(url);
  await once(socket, 'open');
  let nextId = 1;
  const waiting = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  socket.on('message', (data) => {
    const message = JSON.parse(String(data)) as {
      id?: number;
      result?: unknown;
      error?: { message: string };
    };
    const waiter = message.id === undefined ? undefined : waiting.get(message.id);
    if (!waiter || message.id === undefined) return;
    waiting.delete(message.id);
    if (message.error) waiter.reject(new Error(message.error.message));
    else waiter.resolve(message.result);
  });
  const call: InspectorCall = (method) =>
    new Promise((resolve, reject) => {
      const id = nextId++;
      waiting.set(id, { resolve, reject });
      socket.send(JSON.stringify({ id, method }));
    });
  try {
    return await session(call);
  } finally {
    socket.close();
  }
}
