import type { Socket } from 'node:net';
import {
  type AggregateChanges,
  clusterKeys,
  LEDGER_LABEL_PART_NAMES,
  mergeCluster,
  type NodeSnapshot,
  type TelltaleStore,
} from '@telltale/shared';
import { createIoredisStore } from '@telltale/shared/store/ioredis';
import { createUpstashStore, UPSTASH_CLIENT_SETTINGS } from '@telltale/shared/store/upstash';
import { Redis as UpstashRedis } from '@upstash/redis';
import { Redis } from 'ioredis';
import { type PopulatedNode, populatedNode } from '../../socket-node/test/support/population.ts';
import { recordingStore } from '../../socket-node/test/support/recording-store.ts';
import { startRedis } from '../../test/support/redis.ts';
import { startUpstashRestServer } from '../../tools/upstash-rest/server.ts';
import { adminHeaders, startBenchEdge } from '../lib/edge.ts';
import { commandDelta, commandStats, countRoundTrips } from '../lib/redis-count.ts';
import { type BarCheck, ms, type SuiteResult, type Table } from '../lib/report.ts';
import { rotate, setting } from '../lib/settings.ts';
import { realisticNode } from '../lib/snapshots.ts';
import { median, ratio, type Summary, summarize } from '../lib/stats.ts';

/**
 * Issue 14's bars in one run, each against a baseline measured in it:
 *  1. snapshot bytes of a real instrument(io) node at 100 / 10,000 / 50,000 users, against the v1
 *     layout of the same node (room list of 1,000 and every user id, what v1 flushed);
 *  2. bytes a node with 10,000 users writes per flush, idle and with 1 % churn, on the wire to Redis;
 *  3. read + merge of N nodes of 10,000 connections against one raw pipelined read of the same keys;
 *  4. bytes per tick at the Upstash REST stand-in, at 100 nodes;
 *  5. /admin/rooms pages over 100,000 rooms against a raw ZRANGE of the same page;
 *  6. Redis CPU (INFO commandstats usec) the aggregates add to a read and to a flush.
 */

const CLUSTER = 'bench';
const METHODS = ['floor', 'readCluster', 'readCluster+merge', 'GET /metrics'] as const;
type Method = (typeof METHODS)[number];

interface ReadResult {
  nodes: number;
  method: Method;
  latency: Summary;
  p50VsFloor: number;
  p99VsFloor: number;
  roundTripsPerRead: number;
  redisCommandsPerRead: number;
}

async function connect(url: string): Promise<Redis> {
  const redis = new Redis(url);
  await new Promise<void>((resolve, reject) => {
    redis.once('ready', resolve);
    redis.once('error', reject);
  });
  return redis;
}

const bytesWritten = (redis: Redis) => (redis as unknown as { stream: Socket }).stream.bytesWritten;

/** `usec` of EVALSHA in INFO commandstats: every script's time, the commands it ran included. */
async function scriptUsec(redis: Redis): Promise<number> {
  return (await scriptStats(redis)).usec;
}

async function scriptStats(redis: Redis): Promise<{ calls: number; usec: number }> {
  const match = /^cmdstat_evalsha:calls=(\d+),usec=(\d+)/m.exec(await redis.info('commandstats'));
  return { calls: Number(match?.[1] ?? 0), usec: Number(match?.[2] ?? 0) };
}

/**
 * What v1 flushed for the same node: its largest 1,000 rooms (within 64 KB of names) and every
 * online and away user id, in place of v2's counts — the snapshot's old layout, rebuilt from what
 * the node reports to the aggregates.
 */
function v1Layout(snapshot: NodeSnapshot, changes: AggregateChanges | undefined): unknown {
  const rooms = [...(changes?.rooms ?? [])].sort((a, b) => b.size - a.size || (a.name < b.name ? -1 : 1));
  const sizes: [string, number][] = [];
  let budget = 1000 * 64;
  for (const room of rooms) {
    if (sizes.length === 1000) break;
    budget -= Buffer.byteLength(JSON.stringify(room.name)) + String(room.size).length + 4;
    if (budget < 0) break;
    sizes.push([room.name, room.size]);
  }
  const users = changes?.users ?? [];
  return {
    ...snapshot,
    v: 1,
    rooms: { byPrefix: snapshot.rooms.byPrefix, sizes, truncated: sizes.length < rooms.length },
    presence: {
      online: users.filter(([, s]) => s === 'online').map(([u]) => u),
      away: users.filter(([, s]) => s === 'away').map(([u]) => u),
      staleClients: snapshot.presence.staleClients,
    },
  };
}

export async function clusterRead(): Promise<SuiteResult> {
  const settings = {
    rounds: setting('READ_ROUNDS', 4, 2),
    /** Reads per method per round, unless the time budget runs out first (at least 3). */
    reads: setting('READ_ITERATIONS', 50, 10),
    budgetMs: setting('READ_BUDGET_MS', 1500, 400),
    connectionsPerNode: setting('READ_CONNECTIONS_PER_NODE', 10_000, 10_000),
    /** Nodes whose rooms and users are seeded into the aggregates (their size does not change a read). */
    aggregateNodes: setting('READ_AGGREGATE_NODES', 10, 2),
    pagedRooms: setting('READ_PAGED_ROOMS', 100_000, 20_000),
    realConnections: setting('READ_REAL_CONNECTIONS', 1_000, 200),
  };
  const sizes = (process.env.BENCH_READ_SIZES ?? '10,100,1000').split(',').map(Number);
  const tables: Table[] = [];
  const bars: BarCheck[] = [];
  const notes: string[] = [];
  const data: Record<string, unknown> = {};

  // ── 1. snapshot bytes of a real instrument(io) node ──────────────────────────────────────────
  const snapshotRows: { users: number; how: string; v2: number; v1: number }[] = [];
  const measureSnapshot = async (users: number, real: number) => {
    const { store, flushes } = recordingStore();
    const node = await populatedNode(store);
    try {
      await node.connect(0, real);
      node.populate(real, users - real);
      await node.instrumentation.flushNow();
      const input = flushes.at(-1)!;
      snapshotRows.push({
        users,
        how: real === users ? 'real clients' : `${real} real + ${users - real} in the adapter`,
        v2: Buffer.byteLength(JSON.stringify(input.snapshot)),
        v1: Buffer.byteLength(JSON.stringify(v1Layout(input.snapshot, input.aggregates))),
      });
    } finally {
      await node.close();
    }
  };
  const snapshotUsers = (process.env.BENCH_READ_SNAPSHOT_USERS ?? '100,10000,50000').split(',').map(Number);
  await measureSnapshot(snapshotUsers[0]!, snapshotUsers[0]!);
  await measureSnapshot(settings.realConnections, settings.realConnections);
  for (const users of snapshotUsers.slice(1)) await measureSnapshot(users, Math.min(users, 100));
  tables.push({
    title: 'Snapshot bytes of a real instrument(io) node (distinct users, a thread room per 5 users)',
    columns: ['users', 'how', 'v2 bytes', 'v1 layout bytes', 'v2 / v1', 'v2 vs v2 at 100'],
    rows: snapshotRows.map((r) => [r.users, r.how, r.v2, r.v1, r.v2 / r.v1, r.v2 / snapshotRows[0]!.v2]),
  });
  const largestSnapshot = Math.max(...snapshotRows.map((r) => r.v2));
  bars.push({
    bar: 'snapshot size constant within the caps from 100 to 50,000 users, <= 3 KB',
    measured: snapshotRows.map((r) => `${r.users}: ${r.v2} B (v1 ${r.v1} B)`).join(', '),
    pass: largestSnapshot <= 3072 && largestSnapshot - snapshotRows[0]!.v2 < 200,
  });
  data.snapshots = snapshotRows;

  const redis = await startRedis();
  const admin = await connect(redis.url);
  try {
    // ── 2. bytes per flush at 10,000 users, and the aggregates' Redis CPU per flush ─────────────
    const nodeConn = await connect(redis.url);
    const nodeStore = createIoredisStore(nodeConn);
    const flushRows: (string | number)[][] = [];
    const node: PopulatedNode = await populatedNode(nodeStore, { cluster: CLUSTER, nodeId: 'flusher' });
    const users = settings.connectionsPerNode;
    const churn = users / 100;
    try {
      node.populate(0, users);
      await node.instrumentation.flushNow();
      await node.instrumentation.flushNow();
      const measureFlush = async (label: string, change: () => void) => {
        const samples: { bytes: number; usec: number }[] = [];
        for (let i = 0; i < 5; i++) {
          change();
          const bytes = bytesWritten(nodeConn);
          const usec = await scriptUsec(admin);
          await node.instrumentation.flushNow();
          samples.push({ bytes: bytesWritten(nodeConn) - bytes, usec: (await scriptUsec(admin)) - usec });
        }
        return {
          label,
          bytes: median(samples.map((s) => s.bytes)),
          usec: median(samples.map((s) => s.usec)),
        };
      };
      let next = users;
      let first = 0;
      const idle = await measureFlush('idle', () => {});
      const churned = await measureFlush('1 % churn (100 users out, 100 in)', () => {
        node.depopulate(first, churn);
        node.populate(next, churn);
        first += churn;
        next += churn;
      });
      // Its keys expired during a stall (or Redis restarted): the delta is refused, the node rewrites whole.
      const rebuilt = await measureFlush('keys expired: refused delta + whole rewrite', () => {
        void admin.del(clusterKeys(CLUSTER).node('flusher'));
      });
      // How long the longest script of such a rebuild holds Redis: the drop and the whole go in chunks.
      void admin.del(clusterKeys(CLUSTER).node('flusher'));
      await admin.config('SET', 'slowlog-log-slower-than', '0');
      await admin.config('SET', 'slowlog-max-len', '1024');
      await admin.slowlog('RESET');
      const statsBefore = await scriptStats(admin);
      await node.instrumentation.flushNow();
      const statsAfter = await scriptStats(admin);
      const longestScript = ((await admin.slowlog('GET', 1024)) as [number, number, number, string[]][])
        .filter((entry) => String(entry[3]?.[0]).toLowerCase() === 'evalsha')
        .reduce((longest, entry) => Math.max(longest, Number(entry[2])), 0);
      await admin.config('SET', 'slowlog-log-slower-than', '10000');
      const rebuildScripts = statsAfter.calls - statsBefore.calls;
      // The same snapshot written with no aggregate changes at all (v1's write): the baseline.
      const snapshot = node.instrumentation.snapshot();
      const bare = async () => {
        const bytes = bytesWritten(nodeConn);
        const usec = await scriptUsec(admin);
        await nodeStore
          .forCluster(CLUSTER)
          .flush({ snapshot, sockets: { upsert: [], remove: [] }, ttlMs: 600_000 });
        return { bytes: bytesWritten(nodeConn) - bytes, usec: (await scriptUsec(admin)) - usec };
      };
      const bareRuns = [await bare(), await bare(), await bare()];
      const bareBytes = median(bareRuns.map((r) => r.bytes));
      const bareUsec = median(bareRuns.map((r) => r.usec));
      const v1Bytes = snapshotRows.find((r) => r.users === users)?.v1 ?? Number.NaN;
      for (const row of [idle, churned, rebuilt]) {
        flushRows.push([row.label, row.bytes, v1Bytes, row.bytes / v1Bytes, row.usec, bareUsec]);
      }
      flushRows.push([
        'snapshot alone, no aggregate changes',
        bareBytes,
        v1Bytes,
        bareBytes / v1Bytes,
        bareUsec,
        bareUsec,
      ]);
      tables.push({
        title: `Bytes one node with ${users.toLocaleString('en')} users writes per flush (on its Redis connection), and its script's Redis time`,
        columns: [
          'flush',
          'bytes written',
          'v1 snapshot bytes',
          'vs v1',
          'Redis usec',
          'usec without aggregates',
        ],
        rows: flushRows,
      });
      bars.push({
        bar: 'bytes per flush at 10,000 idle connections <= 3 KB',
        measured: `${idle.bytes} B idle; ${churned.bytes} B at 1 % churn (${churn} in, ${churn} out: ~${Math.round((churned.bytes - idle.bytes) / (4 * churn))} B per room or user change)`,
        pass: idle.bytes <= 3072,
      });
      data.flush = { idle, churned, rebuilt, bareBytes, bareUsec };
      notes.push(
        `aggregates' Redis CPU per flush: idle ${idle.usec - bareUsec} µs, 1 % churn ${churned.usec - bareUsec} µs over the ${bareUsec} µs of the write without them; a rebuild of all ${users.toLocaleString('en')} users after the keys expired ${rebuilt.usec} µs in ${rebuildScripts} scripts (the old contribution dropped and the whole rewritten in chunks: the longest script held Redis ${longestScript} µs)`,
      );
    } finally {
      await node.close();
      await nodeStore.close();
    }

    // ── 3. read + merge at N nodes of 10,000 connections ────────────────────────────────────────
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
    const a = keys.aggregates;
    const results: ReadResult[] = [];
    let readUsec: { cluster: number; nodes: number } | null = null;
    let snapshotBytes = 0;
    try {
      for (const nodes of sizes) {
        await admin.flushdb();
        snapshotBytes = await seed(store, nodes, settings.connectionsPerNode, settings.aggregateNodes);
        const ids = (await admin.zrange(keys.nodes, 0, -1)) as string[];
        const read: Record<Method, () => Promise<unknown>> = {
          floor: async () => {
            const pipeline = floorConn.pipeline();
            pipeline.zrange(keys.nodes, 0, -1, 'WITHSCORES');
            for (const id of ids) pipeline.hget(keys.node(id), 'pulse');
            pipeline.hmget(a.totals, 'online', 'away', 'members');
            pipeline.zcard(a.roomsBySize);
            pipeline.zrevrange(a.roomPrefixes, 0, 49, 'WITHSCORES');
            pipeline.zrevrange(a.namespaceRooms, 0, 49, 'WITHSCORES');
            pipeline.zrange(a.roomsBySize, 0, 19, 'WITHSCORES');
            for (const part of LEDGER_LABEL_PART_NAMES) {
              pipeline.zcard(keys.ledger.labels(part));
              pipeline.zrevrange(keys.ledger.labels(part), 0, 49, 'WITHSCORES');
            }
            pipeline.hgetall(keys.ledger.sketch('w'));
            pipeline.hgetall(keys.ledger.sketch('k'));
            const replies = (await pipeline.exec()) ?? [];
            let parsed = 0;
            for (let i = 1; i <= ids.length; i++) {
              const raw = replies[i]?.[1];
              if (typeof raw === 'string') parsed += JSON.parse(raw) ? 1 : 0;
            }
            if (parsed !== nodes) throw new Error(`floor read ${parsed} of ${nodes} snapshots`);
            return parsed;
          },
          readCluster: async () => {
            const view = await store.forCluster(CLUSTER).readCluster();
            if (view.nodes.length !== nodes)
              throw new Error(`readCluster returned ${view.nodes.length} of ${nodes}`);
            return view;
          },
          'readCluster+merge': async () => {
            const read = await store.forCluster(CLUSTER).readCluster();
            const view = mergeCluster(read, Date.now(), { cluster: CLUSTER, intervalMs: 5000 });
            if (view.nodes.live + view.nodes.stale !== nodes)
              throw new Error(`merge counted ${view.nodes.live + view.nodes.stale} of ${nodes} nodes`);
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
            method,
            latency: summarize(rounds.flat()),
            p50VsFloor: perRound('p50'),
            p99VsFloor: perRound('p99'),
            roundTripsPerRead: (trips.get(method) ?? 0) / (done.get(method) ?? 1),
            redisCommandsPerRead: Object.values(commands).reduce((x, y) => x + y, 0),
          });
        }
        if (nodes === Math.max(...sizes)) {
          const cost = async (op: () => Promise<unknown>) => {
            const runs: number[] = [];
            for (let i = 0; i < 5; i++) {
              const before = await scriptUsec(admin);
              await op();
              runs.push((await scriptUsec(admin)) - before);
            }
            return median(runs);
          };
          readUsec = {
            cluster: await cost(() => store.forCluster(CLUSTER).readCluster()),
            nodes: await cost(() => store.forCluster(CLUSTER).readNodes()),
          };
        }

        // ── 4. Upstash bytes per tick at 100 nodes ────────────────────────────────────────────
        if (nodes === 100) {
          const token = 'bench-upstash-token';
          const rest = await startUpstashRestServer({ redisUrl: redis.url, token });
          const upstash = createUpstashStore(
            new UpstashRedis({ url: rest.url, token, ...UPSTASH_CLIENT_SETTINGS }),
          );
          try {
            await upstash.forCluster(CLUSTER).readCluster();
            const before = rest.bytes();
            const ticks = 5;
            for (let i = 0; i < ticks; i++) await upstash.forCluster(CLUSTER).readCluster();
            const after = rest.bytes();
            const perTick = (after.received - before.received + after.sent - before.sent) / ticks;
            data.upstash = { nodes, perTick, sent: (after.sent - before.sent) / ticks };
            bars.push({
              bar: 'Upstash bytes per tick at 100 nodes <= 300 KB (counted at the REST stand-in, both ways)',
              measured: `${(perTick / 1024).toFixed(1)} KB per tick (${((after.sent - before.sent) / ticks / 1024).toFixed(1)} KB to the edge; ${(snapshotBytes / 1024).toFixed(2)} KB snapshots)`,
              pass: perTick <= 300 * 1024,
            });
          } finally {
            await upstash.close();
            await rest.close();
          }
        }
      }
      tables.push({
        title: `Cluster read of N nodes of ${settings.connectionsPerNode.toLocaleString('en')} connections (${(snapshotBytes / 1024).toFixed(2)} KB snapshots; the aggregates of ${settings.aggregateNodes} such nodes): p50/p99, ratios paired with the floor per round`,
        columns: [
          'nodes',
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
          r.method,
          r.latency.n,
          r.latency.p50,
          r.latency.p99,
          r.p50VsFloor,
          r.p99VsFloor,
          r.roundTripsPerRead,
          r.redisCommandsPerRead,
        ]),
      });
      const at = (nodes: number, method: Method) =>
        results.find((r) => r.nodes === nodes && r.method === method);
      const storeReads = results.filter(
        (r) => r.method === 'readCluster' || r.method === 'readCluster+merge',
      );
      bars.push({
        bar: 'one store round trip per cluster read, aggregates included, any node count',
        measured: storeReads.map((r) => `${r.nodes} nodes ${r.method}: ${r.roundTripsPerRead}`).join(', '),
        pass: storeReads.length > 0 && storeReads.every((r) => r.roundTripsPerRead <= 1),
      });
      const largest = Math.max(...sizes);
      const merged = at(largest, 'readCluster+merge');
      const floor = at(largest, 'floor');
      if (merged && floor) {
        bars.push({
          bar: `${largest.toLocaleString('en')} nodes of ${settings.connectionsPerNode.toLocaleString('en')} connections read + merged: p99 <= 25 ms`,
          measured: `p50 ${ms(merged.latency.p50)}, p99 ${ms(merged.latency.p99)} (the floor: p50 ${ms(floor.latency.p50)}, p99 ${ms(floor.latency.p99)})`,
          pass: merged.latency.p99 <= 25,
        });
        bars.push({
          bar: `${largest.toLocaleString('en')} nodes read + merged within 1.5x the raw pipelined read of the same keys`,
          measured: `p50 ${merged.p50VsFloor.toFixed(2)}x, p99 ${merged.p99VsFloor.toFixed(2)}x`,
          pass: merged.p99VsFloor <= 1.5,
        });
      }
      data.reads = results;
      if (readUsec) {
        const flush = data.flush as { churned: { usec: number }; bareUsec: number } | undefined;
        const perFlush = flush ? flush.churned.usec - flush.bareUsec : Number.NaN;
        notes.push(
          `aggregates' Redis CPU per tick at ${largest} nodes: the read ${readUsec.cluster - readUsec.nodes} µs (readCluster ${readUsec.cluster} µs vs readNodes ${readUsec.nodes} µs), plus ${perFlush} µs per flushing node at 1 % churn of 10,000 (${Math.round((perFlush * largest) / 1000)} ms for ${largest} nodes per interval)`,
        );
        data.redisUsec = { read: readUsec, perFlushAtChurn: perFlush };
      }

      // ── 5. /admin/rooms pages at 100,000 rooms ─────────────────────────────────────────────────
      await admin.flushdb();
      const roomCount = settings.pagedRooms;
      await store.forCluster(CLUSTER).flush({
        snapshot: realisticNode(CLUSTER, 0, 10, Date.now()).snapshot,
        sockets: { upsert: [], remove: [] },
        ttlMs: 600_000,
        aggregates: {
          whole: true,
          rooms: Array.from({ length: roomCount }, (_, i) => ({
            namespace: i % 10 === 0 ? '/hub' : '/portal',
            name: `thread:t${i}`,
            size: 1 + (i % 7),
          })),
          users: [],
        },
      });
      const pageOf = (query: string) => async () => {
        const response = await fetch(`${edge.url}/admin/rooms?${query}`, { headers: adminHeaders });
        const body = (await response.json()) as { items: unknown[]; total: number };
        if (response.status !== 200 || body.items.length === 0)
          throw new Error(`/admin/rooms?${query}: ${response.status}`);
        return body;
      };
      const deep = Math.floor(roomCount / 2);
      const deepCursor = Buffer.from(String(deep)).toString('base64url');
      const pages: [string, () => Promise<unknown>, () => Promise<unknown>][] = [
        ['first page (50)', pageOf('limit=50'), () => floorConn.zrange(a.roomsBySize, 0, 49, 'WITHSCORES')],
        [
          `page at offset ${deep.toLocaleString('en')}`,
          pageOf(`limit=50&cursor=${deepCursor}`),
          () => floorConn.zrange(a.roomsBySize, deep, deep + 49, 'WITHSCORES'),
        ],
        [
          "prefix 'thread:t9' (name order)",
          pageOf('limit=50&prefix=thread:t9'),
          () => floorConn.zrangebylex(a.roomsByName, '[thread:t9', '[thread:t9\xff', 'LIMIT', 0, 50),
        ],
        [
          "namespace '/hub'",
          pageOf('limit=50&namespace=/hub'),
          () => floorConn.zrange(a.namespaceRoomsBySize('/hub'), 0, 49, 'WITHSCORES'),
        ],
      ];
      const pageRows: (string | number)[][] = [];
      let worstPageP99 = 0;
      for (const [label, page, raw] of pages) {
        await page();
        const times: number[] = [];
        const rawTimes: number[] = [];
        for (let i = 0; i < Math.max(20, settings.reads); i++) {
          let started = performance.now();
          await page();
          times.push(performance.now() - started);
          started = performance.now();
          await raw();
          rawTimes.push(performance.now() - started);
        }
        const s = summarize(times);
        const f = summarize(rawTimes);
        worstPageP99 = Math.max(worstPageP99, s.p99);
        pageRows.push([label, s.n, s.p50, s.p99, f.p50, f.p99]);
      }
      tables.push({
        title: `GET /admin/rooms over ${roomCount.toLocaleString('en')} rooms through the Node edge, against the raw Redis read of the same page`,
        columns: ['page', 'requests', 'p50 ms', 'p99 ms', 'raw read p50 ms', 'raw read p99 ms'],
        rows: pageRows,
      });
      bars.push({
        bar: `/admin/rooms page p99 at ${roomCount.toLocaleString('en')} rooms (stated)`,
        measured: `worst page p99 ${ms(worstPageP99)} (HTTP, auth, one store round trip)`,
        pass: true,
      });
      data.pages = pageRows;
    } finally {
      await edge.close();
      await Promise.all([store.close(), edgeStore.close(), floorConn.quit()]);
    }
  } finally {
    await admin.quit();
    await redis.stop();
  }
  notes.push(
    'snapshots at 10,000 and 50,000 users: 100 real socket.io-client connections, the rest joined into the /portal adapter as socket.join leaves them (the snapshot reads rooms from the adapter and users from the presence callback, so it is the same output); 50,000 real connections do not fit 2 cores and one process here',
  );
  return { suite: 'cluster-read', settings, tables, bars, data, notes };
}

/**
 * N realistic node snapshots through the store's own flush, 100 at a time; the first
 * `aggregateNodes` also bring their rooms and users whole. → bytes per snapshot.
 */
async function seed(
  store: TelltaleStore,
  nodes: number,
  connections: number,
  aggregateNodes: number,
): Promise<number> {
  const now = Date.now();
  // Building 10,000 users' rooms per node is the slow part: past the aggregate nodes, one node's
  // snapshot serves every other under its own id (snapshots are of constant size anyway).
  const template = realisticNode(CLUSTER, 0, connections, now).snapshot;
  let bytes = 0;
  for (let start = 0; start < nodes; start += 100) {
    await Promise.all(
      Array.from({ length: Math.min(100, nodes - start) }, (_, k) => {
        const index = start + k;
        const { snapshot, changes } =
          index < aggregateNodes
            ? realisticNode(CLUSTER, index, connections, now)
            : {
                snapshot: {
                  ...template,
                  node: {
                    ...template.node,
                    id: `node-${index}`,
                    hostname: `host-${index}`,
                    pid: 1000 + index,
                  },
                },
                changes: undefined,
              };
        bytes += JSON.stringify(snapshot).length;
        return store.forCluster(CLUSTER).flush({
          snapshot,
          sockets: { upsert: [], remove: [] },
          ttlMs: 600_000,
          ...(changes ? { aggregates: changes } : {}),
        });
      }),
    );
  }
  return Math.round(bytes / nodes);
}
