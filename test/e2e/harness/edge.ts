import { z } from 'zod';
import {
  AuditEntry,
  ClusterView,
  CommandResult,
  HealthReport,
  NodeSummary,
} from '../../../shared/src/index.ts';
import { freePort } from '../../support/redis.ts';
import { bearer, type HttpAnswer, isOk, request } from './http.ts';
import { type ManagedProcess, nodeProcess } from './process.ts';
import { GiveUp, waitFor } from './wait.ts';

export interface EdgeEnv {
  cluster: string;
  redisUrl: string;
  /** REDIS_CLUSTER_NODES instead of REDIS_URL: the process runs on a Redis Cluster. */
  redisClusterNodes?: string;
  adminToken: string;
  jwtSecret: string;
  flushIntervalMs: number;
  tickIntervalMs: number;
  expectedNodes: number;
  commandTimeoutMs: number;
  /** ADMIN_CLIENT_RATE_LIMIT, for suites that send many admin requests from one address on purpose. */
  clientRateLimit?: string;
}

const NodesAnswer = z.object({ nodes: z.array(NodeSummary) });
const AuditPage = z.object({ items: z.array(AuditEntry) });
const ConnectionsPage = z.object({
  items: z.array(
    z.object({ id: z.string(), nodeId: z.string(), namespace: z.string(), userId: z.string().nullable() }),
  ),
  nextCursor: z.string().nullable(),
});
export type ConnectionRow = z.infer<typeof ConnectionsPage>['items'][number];

/** The edge API on Node (`telltale serve`) in its own process, plus a typed client for it. */
export class EdgeProcess {
  readonly process: ManagedProcess;

  private constructor(
    readonly env: EdgeEnv,
    readonly port: number,
  ) {
    this.process = nodeProcess('edge', 'edge-api/bin/telltale.js', ['serve'], {
      PORT: String(port),
      HOST: '127.0.0.1',
      CLUSTER_ID: env.cluster,
      ...(env.redisClusterNodes
        ? { REDIS_CLUSTER_NODES: env.redisClusterNodes }
        : { REDIS_URL: env.redisUrl }),
      ADMIN_TOKEN: env.adminToken,
      JWT_SECRET: env.jwtSecret,
      FLUSH_INTERVAL_MS: String(env.flushIntervalMs),
      TICK_INTERVAL_MS: String(env.tickIntervalMs),
      EXPECTED_NODES: String(env.expectedNodes),
      COMMAND_TIMEOUT_MS: String(env.commandTimeoutMs),
      ...(env.clientRateLimit ? { ADMIN_CLIENT_RATE_LIMIT: env.clientRateLimit } : {}),
    });
  }

  static async create(env: EdgeEnv): Promise<EdgeProcess> {
    return new EdgeProcess(env, await freePort());
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  async start(timeoutMs = 60_000): Promise<void> {
    this.process.start();
    await waitFor(
      async () => {
        if (!this.process.running) throw new GiveUp(`edge exited:\n${this.process.tail()}`);
        return isOk(`${this.url}/health/ready`);
      },
      { timeoutMs, what: 'edge ready', intervalMs: 100 },
    );
  }

  stop(): Promise<unknown> {
    return this.process.stop('SIGTERM', 5000);
  }

  get(path: string, headers: Record<string, string> = {}): Promise<HttpAnswer> {
    return request(`${this.url}${path}`, { headers });
  }

  admin(method: string, path: string, body?: unknown, token = this.env.adminToken): Promise<HttpAnswer> {
    return request(`${this.url}${path}`, {
      method,
      headers: { ...bearer(token), ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
  }

  /** The public `/metrics` JSON body, validated against the shared ClusterView schema. */
  async metrics(): Promise<ClusterView> {
    const answer = await this.get('/metrics');
    if (answer.status !== 200)
      throw new Error(`/metrics answered ${answer.status}: ${answer.text.slice(0, 300)}`);
    return ClusterView.parse(answer.json);
  }

  /** `/health`: the status code and the health+json report. */
  async health(): Promise<{ status: number; report: HealthReport }> {
    const answer = await this.get('/health');
    return { status: answer.status, report: HealthReport.parse(answer.json) };
  }

  async nodes(): Promise<NodeSummary[]> {
    const answer = await this.admin('GET', '/admin/nodes');
    if (answer.status !== 200)
      throw new Error(`/admin/nodes answered ${answer.status}: ${answer.text.slice(0, 300)}`);
    return NodesAnswer.parse(answer.json).nodes;
  }

  /** Every socket the cluster reports, through the paginated admin view. */
  async connections(filter: Record<string, string> = {}): Promise<ConnectionRow[]> {
    const rows: ConnectionRow[] = [];
    let cursor: string | null = null;
    do {
      const query = new URLSearchParams({ ...filter, limit: '500', ...(cursor ? { cursor } : {}) });
      const answer = await this.admin('GET', `/admin/connections?${query}`);
      if (answer.status !== 200)
        throw new Error(`/admin/connections answered ${answer.status}: ${answer.text}`);
      const page = ConnectionsPage.parse(answer.json);
      rows.push(...page.items);
      cursor = page.nextCursor;
    } while (cursor);
    return rows;
  }

  async audit(limit = 50): Promise<AuditEntry[]> {
    const answer = await this.admin('GET', `/admin/commands?limit=${limit}`);
    if (answer.status !== 200) throw new Error(`/admin/commands answered ${answer.status}: ${answer.text}`);
    return AuditPage.parse(answer.json).items;
  }

  /** A command route's answer as the shared CommandResult, with its HTTP status. */
  async command(
    method: string,
    path: string,
    body?: unknown,
    token?: string,
  ): Promise<{ status: number; result: CommandResult }> {
    const answer = await this.admin(method, path, body, token);
    if (answer.status !== 200 && answer.status !== 207) {
      throw new Error(`${method} ${path} answered ${answer.status}: ${answer.text.slice(0, 300)}`);
    }
    return { status: answer.status, result: CommandResult.parse(answer.json) };
  }
}
