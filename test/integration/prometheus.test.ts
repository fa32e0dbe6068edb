/**
 * Issue 13 against the real systems: a real Prometheus 2.42 (1 s scrapes and rule evaluations)
 * scraping the Node edge and the socket nodes' own /metrics, loaded with the shipped rules; three
 * socket-node processes on a private Redis; real socket.io clients. Node b stops gracefully, node c
 * is killed. The Grafana dashboard's every query runs against this Prometheus.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { createIoredisStore } from '@telltale/shared/store/ioredis';
import { SignJWT } from 'jose';
import { io, type Socket } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningEdge, startEdgeServer } from '../../edge-api/src/node/server.ts';
import { edgeConfig, JWT_SECRET, quietLogger } from '../../edge-api/test/harness.ts';
import { eventually } from '../../socket-node/test/support/clients.ts';
import { type NodeProcess, spawnNode } from '../../socket-node/test/support/node.ts';
import { type RunningPrometheus, startPrometheus, type VectorSample } from '../support/prometheus.ts';
import { type RedisProcess, startRedis } from '../support/redis.ts';

const FLUSH_MS = 500;
const REPO = fileURLToPath(new URL('../../', import.meta.url));
const RULES = `${REPO}deploy/prometheus/telltale.rules.yml`;
const DASHBOARD = `${REPO}deploy/grafana/telltale.json`;

type NamedNode = NodeProcess & { id: string };

let redis: RedisProcess;
let store: ReturnType<typeof createIoredisStore>;
let edge: RunningEdge;
let prometheus: RunningPrometheus;
const nodes: Record<string, NamedNode> = {};
const clients: { node: string; socket: Socket }[] = [];

/** Polls `probe` until it gives a value (the shared `eventually`, with the name first). */
const until = <T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 15_000) =>
  eventually(probe, timeoutMs, what);

async function startNode(id: string): Promise<NamedNode> {
  const env = {
    NODE_ID: id,
    CLUSTER_ID: 'default',
    REDIS_URL: redis.url,
    FLUSH_INTERVAL_MS: String(FLUSH_MS),
    JWT_SECRET,
    SHUTDOWN_TIMEOUT_MS: '2000',
  };
  return { id, ...(await spawnNode(env, { until: 'ready', timeoutMs: 40_000 })) };
}

/** A portal client allowed into thread t1, over WebSocket, without reconnecting. */
async function connectClient(url: string, sub: string): Promise<Socket> {
  const token = await new SignJWT({ sub, role: 'client', threads: ['t1'] })
    .setProtectedHeader({ alg: 'HS256' })
    .setIssuedAt()
    .setExpirationTime('1h')
    .sign(new TextEncoder().encode(JWT_SECRET));
  const socket = io(url, { auth: { token }, transports: ['websocket'], reconnection: false, forceNew: true });
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', () => resolve());
    socket.once('connect_error', reject);
  });
  return socket;
}

const emit = (socket: Socket, event: string, ...args: unknown[]) =>
  new Promise((resolve) => socket.emit(event, ...args, resolve));
const on = (node: string) => clients.filter((c) => c.node === node).map((c) => c.socket);

/** One instant query's samples; waits until `ok` accepts them. */
const queryUntil = (promql: string, ok: (result: VectorSample[]) => boolean, timeoutMs?: number) =>
  until(
    `${promql} to match`,
    async () => {
      const result = await prometheus.query(promql);
      return ok(result) ? result : undefined;
    },
    timeoutMs,
  );
const total = (result: VectorSample[]) => result.reduce((sum, s) => sum + s.value, 0);

beforeAll(async () => {
  redis = await startRedis();
  const started = await Promise.all(['node-a', 'node-b', 'node-c'].map(startNode));
  for (const node of started) nodes[node.id] = node;
  store = createIoredisStore(redis.url);
  edge = await startEdgeServer({
    config: edgeConfig({
      PORT: '0',
      REDIS_URL: redis.url,
      FLUSH_INTERVAL_MS: String(FLUSH_MS),
      TICK_INTERVAL_MS: String(FLUSH_MS),
      EXPECTED_NODES: '1',
    }),
    store,
    logger: quietLogger,
  });
  prometheus = await startPrometheus({
    jobs: {
      'telltale-edge': [new URL(edge.url).host],
      'telltale-nodes': started.map((n) => `127.0.0.1:${n.port}`),
    },
    ruleFiles: [RULES],
  });
  const placement = ['node-a', 'node-a', 'node-a', 'node-b', 'node-b', 'node-c', 'node-c'];
  for (const [i, node] of placement.entries()) {
    const socket = await connectClient(`${nodes[node]!.url}/portal`, `u${i}`);
    clients.push({ node, socket });
  }
  const joined = await Promise.all(
    clients.map(({ socket }) => emit(socket, 'join:thread', { threadId: 't1' })),
  );
  expect(joined).toEqual(clients.map(() => ({ ok: true })));
}, 90_000);

afterAll(async () => {
  for (const { socket } of clients) socket.close();
  await prometheus?.stop();
  await edge?.close();
  await store?.close();
  for (const node of Object.values(nodes)) {
    if (node.child.exitCode === null && node.child.signalCode === null) node.child.kill('SIGKILL');
  }
  await redis?.stop();
});

describe('the shipped Prometheus rules', () => {
  it('pass promtool check rules and their promtool unit tests', () => {
    const check = spawnSync('/usr/bin/promtool', ['check', 'rules', RULES], { encoding: 'utf8' });
    expect(check.status, check.stdout + check.stderr).toBe(0);
    expect(check.stdout).toContain('SUCCESS: 8 rules found');
    const unit = spawnSync('/usr/bin/promtool', ['test', 'rules', 'telltale.rules.test.yml'], {
      cwd: `${REPO}deploy/prometheus`,
      encoding: 'utf8',
    });
    expect(unit.status, unit.stdout + unit.stderr).toBe(0);
  });
});

describe('a real Prometheus over a real cluster', () => {
  it('counts 7 connections with the edge and every node scraped: node series never sum with the edge (item 5)', async () => {
    const cluster = await queryUntil('sum(telltale_connections)', (r) => total(r) === 7);
    expect(cluster).toHaveLength(1);
    await queryUntil('sum(telltale_local_connections)', (r) => total(r) === 7);
    const jobs = await prometheus.query('count by (job) (telltale_connections)');
    expect(jobs.map((s) => s.metric.job)).toEqual(['telltale-edge']);
  });

  it("sees a burst on a type nobody sent before, because its handler's series already sat at 0 (item 2)", async () => {
    const type = 'telltale_events_received_total{job="telltale-edge",type="typing:start"}';
    const zeros = await queryUntil(type, (r) => r.length === 3);
    expect(zeros.map((s) => s.value)).toEqual([0, 0, 0]);
    await new Promise((r) => setTimeout(r, 2000));
    const burst = async (node: string, count: number) => {
      const sockets = on(node);
      for (let i = 0; i < count; i++)
        await emit(sockets[i % sockets.length]!, 'typing:start', { threadId: 't1' });
    };
    await Promise.all([burst('node-a', 100), burst('node-c', 75)]);
    await queryUntil(`sum(${type})`, (r) => total(r) === 175);
    const [increase] = await prometheus.query(`sum(increase(${type}[30s]))`);
    expect(increase!.value).toBeGreaterThanOrEqual(175);
    expect(increase!.value).toBeLessThan(200);
  });

  it("keeps a gracefully stopped node's last interval: its final counters reach Prometheus (item 3)", async () => {
    const node = nodes['node-b']!;
    for (let i = 0; i < 40; i++) await emit(on('node-b')[i % 2]!, 'heartbeat');
    node.child.kill('SIGTERM');
    await new Promise((r) => node.child.once('exit', r));
    const series = 'telltale_events_received_total{job="telltale-edge",node="node-b",type="heartbeat"}';
    await queryUntil(series, (r) => r.length === 1 && r[0]!.value === 40);
    const [counted] = await prometheus.query('sum(telltale_nodes{state=~"live|stale|lost"})');
    expect(counted!.value).toBe(2);
  });

  it('fires TelltaleNodeLost for a killed node, with the node label (item 6)', async () => {
    const rules = await prometheus.api<{ groups: { rules: { name: string; health: string }[] }[] }>(
      '/api/v1/rules',
    );
    const loaded = rules.groups.flatMap((g) => g.rules);
    expect(loaded).toHaveLength(8);
    expect(loaded.filter((r) => r.health !== 'ok')).toEqual([]);
    await emit(on('node-a')[0]!, 'heartbeat');
    nodes['node-c']!.child.kill('SIGKILL');
    type Alerts = { alerts: { labels: Record<string, string>; state: string }[] };
    const firing = await until('TelltaleNodeLost to fire', async () => {
      const { alerts } = await prometheus.api<Alerts>('/api/v1/alerts');
      return alerts.find((a) => a.labels.alertname === 'TelltaleNodeLost' && a.state === 'firing');
    });
    expect(firing.labels).toMatchObject({ node: 'node-c', severity: 'warning' });
  });

  it('answers every query of the Grafana dashboard with data', async () => {
    on('node-a')[2]!.disconnect();
    for (let i = 0; i < 20; i++) await emit(on('node-a')[i % 2]!, 'heartbeat');
    type Dashboard = { panels: { title: string; targets: { expr: string }[] }[] };
    const dashboard = JSON.parse(readFileSync(DASHBOARD, 'utf8')) as Dashboard;
    const queries = dashboard.panels.flatMap((p) =>
      p.targets.map((t) => ({ panel: p.title, expr: t.expr.replaceAll('$__rate_interval', '30s') })),
    );
    expect(queries.length).toBeGreaterThanOrEqual(15);
    await until('every panel query to return data', async () => {
      const empty: string[] = [];
      for (const q of queries) if ((await prometheus.query(q.expr)).length === 0) empty.push(q.panel);
      if (empty.length > 0) throw new Error(`no data for: ${empty.join(', ')}`);
      return true;
    });
  });
});
