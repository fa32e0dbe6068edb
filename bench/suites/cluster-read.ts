import { clusterKeys, mergeSnapshots, type TelltaleStore } from '@telltale/shared';
import { createIoredisStore } from '@telltale/shared/store/ioredis';
import { Redis } from 'ioredis';
import { startRedis } from '../../test/support/redis.ts';
import { adminHeaders, startBenchEdge } from '../lib/edge.ts';
import { commandDelta, commandStats, countRoundTrips } from '../lib/redis-count.ts';
import { type BarCheck, ms, type SuiteResult, type Table } from '../lib/report.ts';
import { rotate, setting } from '../lib/settings.ts';
import { realisticSnapshot } from '../lib/snapshots.ts';
import { median, ratio, type Summary, summarize } from '../lib/stats.ts';

/**
 * Cluster read: N node snapshots in a private Redis, read (1) by the floor — one raw ioredis
 * pipeline of ZRANGE + one HGET per node with JSON.parse only, (2) by the store's `readNodes`,
 * (3) by `readNodes` + `mergeSnapshots`, (4) as `GET /metrics?fresh=1` through the edge's Node
 * entry. Each on its own connection, so round trips are counted per method.
 */

const CLUSTER = 'bench';
const METHODS = ['floor', 'readNodes', 'readNodes+merge', 'GET /metrics'] as const;
type Method = (typeof METHODS)[number];

interface MethodResult {
  nodes: number;
  connectionsPerNode: number;
  snapshotBytes: number;
  method: Method;
  latency: Summary;
  /** Median over rounds of (this method's p50 ÷ the floor's p50 in the same round). */
  p50VsFloor: number;
  p99VsFloor: number;
  roundTripsPerRead: number;
  redisCommandsPerRead: number;
  commands: Record<string, number>;
}

async function connect(url: string): Promise<Redis> {
  const redis = new Redis(url);
  await new Promise<void>((resolve, reject) => {
    redis.once('ready', resolve);
    redis.once('error', reject);
  });
  return redis;
}

export async function clusterRead(): Promise<SuiteResult> {
  const settings = {
    rounds: setting('READ_ROUNDS', 4, 2),
    /** Reads per method per round, unless the time budget runs out first (at least 3). */
    reads: setting('READ_ITERATIONS', 50, 10),
    budgetMs: setting('READ_BUDGET_MS', 1500, 400),
    connectionsPerNode: setting('READ_CONNECTIONS_PER_NODE', 100, 100),
    compactConnectionsPerNode: setting('READ_COMPACT_CONNECTIONS_PER_NODE', 10, 10),
  };
  // The realistic node (100 sockets: 100k cluster-wide at 1,000 nodes) at three cluster sizes, and
  // a small node at 1,000 to show how the snapshot's size drives the cost.
  const sizes = (process.env.BENCH_READ_SIZES ?? '10,100,1000').split(',').map(Number);
  const largest = Math.max(...sizes);
  const cases = [
    ...sizes.map((nodes) => ({ nodes, connectionsPerNode: settings.connectionsPerNode })),
    { nodes: largest, connectionsPerNode: settings.compactConnectionsPerNode },
  ];
  const redis = await startRedis();
  const admin = await connect(redis.url);
  const floorConn = await connect(redis.url);
  const storeConn = await connect(redis.url);
  const edgeConn = await connect(redis.url);
  const counters = {
    floor: countRoundTrips(floorConn),
    store: countRoundTrips(storeConn),
    edge: countRoundTrips(edgeConn),
  };
  const store = createIoredisStore(storeConn);
  const edgeStore = createIoredisStore(edgeConn);
  const edge = await startBenchEdge(edgeStore);
  const keys = clusterKeys(CLUSTER);
  const results: MethodResult[] = [];
  try {
    for (const { nodes, connectionsPerNode } of cases) {
      await admin.flushdb();
      const snapshotBytes = await seed(store, nodes, connectionsPerNode);
      const ids = (await admin.zrange(keys.nodes, 0, -1)) as string[];

      const read: Record<Method, () => Promise<unknown>> = {
        floor: async () => {
          const pipeline = floorConn.pipeline();
          pipeline.zrange(keys.nodes, 0, -1, 'WITHSCORES');
          for (const id of ids) pipeline.hget(keys.node(id), 'snapshot');
          const replies = (await pipeline.exec()) ?? [];
          const parsed: unknown[] = [];
          for (let i = 1; i < replies.length; i++) {
            const raw = replies[i]?.[1];
            if (typeof raw === 'string') parsed.push(JSON.parse(raw));
          }
          if (parsed.length !== nodes) throw new Error(`floor read ${parsed.length} of ${nodes} snapshots`);
          return parsed;
        },
        readNodes: async () => {
          const records = await store.forCluster(CLUSTER).readNodes();
          if (records.length !== nodes) throw new Error(`readNodes returned ${records.length} of ${nodes}`);
          return records;
        },
        'readNodes+merge': async () => {
          const view = mergeSnapshots(await store.forCluster(CLUSTER).readNodes(), Date.now(), {
            cluster: CLUSTER,
            intervalMs: 5000,
          });
          const counted = view.nodes.live + view.nodes.stale;
          if (counted !== nodes)
            throw new Error(`merge counted ${counted} of ${nodes} nodes (${view.nodes.invalid} invalid)`);
          return view;
        },
        'GET /metrics': async () => {
          const response = await fetch(`${edge.url}/metrics?fresh=1`, { headers: adminHeaders });
          const body = await response.text();
          if (response.status !== 200)
            throw new Error(`/metrics answered ${response.status}: ${body.slice(0, 200)}`);
          return body;
        },
      };
      const counterOf = (m: Method) =>
        m === 'floor' ? counters.floor : m === 'GET /metrics' ? counters.edge : counters.store;

      for (const method of METHODS) for (let i = 0; i < 2; i++) await read[method]();

      const samples = new Map<Method, number[][]>(METHODS.map((m) => [m, []]));
      const trips = new Map<Method, number>(METHODS.map((m) => [m, 0]));
      const done = new Map<Method, number>(METHODS.map((m) => [m, 0]));
      for (let round = 0; round < settings.rounds; round++) {
        for (const method of rotate(METHODS, round)) {
          const counter = counterOf(method);
          const before = counter.count;
          const times: number[] = [];
          const deadline = performance.now() + settings.budgetMs;
          while (times.length < settings.reads && (times.length < 3 || performance.now() < deadline)) {
            const started = performance.now();
            await read[method]();
            times.push(performance.now() - started);
          }
          trips.set(method, (trips.get(method) ?? 0) + counter.count - before);
          done.set(method, (done.get(method) ?? 0) + times.length);
          samples.get(method)!.push(times);
        }
      }
      const floorRounds = samples.get('floor')!;
      for (const method of METHODS) {
        const before = await commandStats(admin);
        await read[method]();
        const commands = commandDelta(before, await commandStats(admin));
        delete commands.info;
        const rounds = samples.get(method)!;
        const perRound = (p: 'p50' | 'p99') =>
          median(rounds.map((times, r) => ratio(summarize(times)[p], summarize(floorRounds[r] ?? [])[p])));
        results.push({
          nodes,
          connectionsPerNode,
          snapshotBytes,
          method,
          latency: summarize(rounds.flat()),
          p50VsFloor: perRound('p50'),
          p99VsFloor: perRound('p99'),
          roundTripsPerRead: (trips.get(method) ?? 0) / (done.get(method) ?? 1),
          redisCommandsPerRead: Object.values(commands).reduce((a, b) => a + b, 0),
          commands,
        });
      }
    }
  } finally {
    await edge.close();
    await Promise.all([store.close(), edgeStore.close(), floorConn.quit(), admin.quit()]);
    await redis.stop();
  }
  return summarizeRead(results, settings);
}

/** Writes `nodes` snapshots through the store's own flush (one MULTI each, 100 at a time). */
async function seed(store: TelltaleStore, nodes: number, connections: number): Promise<number> {
  const now = Date.now();
  let bytes = 0;
  for (let start = 0; start < nodes; start += 100) {
    await Promise.all(
      Array.from({ length: Math.min(100, nodes - start) }, (_, k) => {
        const snapshot = realisticSnapshot(CLUSTER, start + k, connections, now);
        bytes += JSON.stringify(snapshot).length;
        return store
          .forCluster(CLUSTER)
          .flush({ snapshot, sockets: { upsert: [], remove: [] }, ttlMs: 600_000 });
      }),
    );
  }
  return Math.round(bytes / nodes);
}

export function summarizeRead(results: MethodResult[], settings: Record<string, number>): SuiteResult {
  const table: Table = {
    title: 'Cluster read: p50/p99 over every read, ratios paired with the floor per round',
    columns: [
      'nodes',
      'sockets/node',
      'snapshot KB',
      'method',
      'reads',
      'p50 ms',
      'p99 ms',
      'p50 vs floor',
      'p99 vs floor',
      'round trips/read',
      'Redis cmds/read',
    ],
    rows: results.map((r) => [
      r.nodes,
      r.connectionsPerNode,
      r.snapshotBytes / 1024,
      r.method,
      r.latency.n,
      r.latency.p50,
      r.latency.p99,
      r.p50VsFloor,
      r.p99VsFloor,
      r.roundTripsPerRead,
      r.redisCommandsPerRead,
    ]),
  };
  const at = (nodes: number, method: Method, connections = settings.connectionsPerNode) =>
    results.find((r) => r.nodes === nodes && r.method === method && r.connectionsPerNode === connections);
  const bars: BarCheck[] = [];
  const storeTrips = results.filter((r) => r.method !== 'floor' && r.method !== 'GET /metrics');
  bars.push({
    bar: 'one store round trip per cluster read, any node count',
    measured: storeTrips.map((r) => `${r.nodes} nodes ${r.method}: ${r.roundTripsPerRead}`).join(', '),
    pass: storeTrips.length > 0 && storeTrips.every((r) => r.roundTripsPerRead <= 1),
  });
  for (const connections of [settings.connectionsPerNode, settings.compactConnectionsPerNode]) {
    const merged = at(1000, 'readNodes+merge', connections);
    const floor = at(1000, 'floor', connections);
    if (!merged || !floor) continue;
    const label = `1,000 snapshots of ${Math.round(merged.snapshotBytes / 102.4) / 10} KB (${connections} sockets/node)`;
    bars.push({
      bar: `${label} read + merged: p99 <= 25 ms`,
      measured: `${ms(merged.latency.p99)} (the floor alone: ${ms(floor.latency.p99)})`,
      pass: merged.latency.p99 <= 25,
    });
    bars.push({
      bar: `${label} read + merged within 1.5x the raw pipelined read`,
      measured: `p50 ${merged.p50VsFloor.toFixed(2)}x, p99 ${merged.p99VsFloor.toFixed(2)}x`,
      pass: merged.p50VsFloor <= 1.5,
    });
  }
  const http = at(1000, 'GET /metrics');
  const notes = http
    ? [
        `GET /metrics?fresh=1 at 1,000 nodes: p50 ${ms(http.latency.p50)}, p99 ${ms(http.latency.p99)}, ${http.roundTripsPerRead} store round trips per request`,
      ]
    : [];
  return { suite: 'cluster-read', settings, tables: [table], bars, data: results, notes };
}
