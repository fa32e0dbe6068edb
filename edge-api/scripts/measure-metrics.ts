/**
 * Measures /metrics on the Node edge against a real, private redis-server:
 *   - store round trips per /metrics read (from the aggregator's view, and with ?fresh=1),
 *   - /metrics latency over real HTTP with 100 and 1,000 synthetic node snapshots,
 *   - the fresh read alone (readNodes + merge) next to a raw pipelined HGET of the same keys.
 * Run: pnpm --filter @telltale/edge-api exec tsx scripts/measure-metrics.ts [requests]
 */
import { performance } from 'node:perf_hooks';
import { clusterKeys, type TelltaleStore } from '@telltale/shared';
import { createIoredisStore } from '@telltale/shared/store/ioredis';
import { Redis } from 'ioredis';
import { startRedis } from '../../test/support/redis.ts';
import { startEdgeServer } from '../src/node/server.ts';
import { ADMIN_TOKEN, edgeConfig, flushNode, quietLogger, snapshotOf } from '../test/harness.ts';

const REQUESTS = Number(process.argv[2] ?? 500);
const WARMUP = 50;

interface Stats {
  p50: number;
  p99: number;
  mean: number;
  n: number;
}

function stats(samples: number[]): Stats {
  const sorted = [...samples].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)]!;
  return {
    p50: at(0.5),
    p99: at(0.99),
    mean: samples.reduce((a, b) => a + b, 0) / samples.length,
    n: samples.length,
  };
}

async function timed(times: number, run: () => Promise<unknown>): Promise<Stats> {
  for (let i = 0; i < WARMUP; i++) await run();
  const samples: number[] = [];
  for (let i = 0; i < times; i++) {
    const t0 = performance.now();
    await run();
    samples.push(performance.now() - t0);
  }
  return stats(samples);
}

/** Store calls by method; every TelltaleStore method is one round trip by contract. */
function counting(store: TelltaleStore) {
  const calls = new Map<string, number>();
  const proxy = new Proxy(store, {
    get(target, prop, receiver) {
      const value = Reflect.get(target, prop, receiver);
      if (typeof value !== 'function') return value;
      return (...args: unknown[]) => {
        calls.set(String(prop), (calls.get(String(prop)) ?? 0) + 1);
        return value.apply(target, args);
      };
    },
  });
  return { store: proxy, calls, total: () => [...calls.values()].reduce((a, b) => a + b, 0) };
}

async function commandsProcessed(redis: Redis): Promise<number> {
  const info = await redis.info('stats');
  return Number(/total_commands_processed:(\d+)/.exec(info)?.[1] ?? Number.NaN);
}

const fmt = (s: Stats) =>
  `p50 ${s.p50.toFixed(2)} ms · p99 ${s.p99.toFixed(2)} ms · mean ${s.mean.toFixed(2)} ms`;

const redisServer = await startRedis();
const admin = new Redis(redisServer.url);
try {
  for (const nodes of [100, 1000]) {
    await admin.flushall();
    const ioredis = createIoredisStore(redisServer.url);
    for (let i = 0; i < nodes; i++) {
      const id = `node-${String(i).padStart(4, '0')}`;
      await flushNode(ioredis, snapshotOf(id, { node: { hostname: `host-${i}` } }), [], 600_000);
    }
    const { store, calls, total } = counting(ioredis);
    // A long tick so the measured requests, not the timer, decide when the store is read.
    const edge = await startEdgeServer({
      config: edgeConfig({ PORT: '0', TICK_INTERVAL_MS: '600000', EXPECTED_NODES: String(nodes) }),
      store,
      logger: quietLogger,
    });
    const auth = { authorization: `Bearer ${ADMIN_TOKEN}` };
    const get = (path: string, headers: Record<string, string> = {}) =>
      fetch(`${edge.url}${path}`, { headers }).then(async (r) => {
        if (r.status !== 200) throw new Error(`${path} answered ${r.status}`);
        return r.arrayBuffer();
      });

    calls.clear();
    let before = await commandsProcessed(admin);
    await get('/metrics');
    const cachedCommands = (await commandsProcessed(admin)) - before - 1;
    const cachedRoundTrips = total();

    calls.clear();
    before = await commandsProcessed(admin);
    await get('/metrics?fresh=1', auth);
    const freshCommands = (await commandsProcessed(admin)) - before - 1;
    const freshRoundTrips = total();

    const view = await timed(REQUESTS, () => get('/metrics'));
    const prom = await timed(REQUESTS, () => get('/metrics?format=prometheus'));
    const fresh = await timed(Math.min(REQUESTS, 200), () => get('/metrics?fresh=1', auth));
    const freshInProcess = await timed(Math.min(REQUESTS, 200), () =>
      edge.aggregator.client.latest({ fresh: true }),
    );
    const keys = clusterKeys('default');
    const ids = (await admin.zrange(keys.nodes, 0, -1)) as string[];
    const raw = await timed(Math.min(REQUESTS, 200), () => {
      const pipeline = admin.pipeline();
      for (const id of ids) pipeline.hget(keys.node(id), 'snapshot');
      return pipeline.exec();
    });

    console.log(
      `\n## ${nodes} node snapshots in Redis (${REQUESTS} sequential requests after ${WARMUP} warm-up)`,
    );
    console.log(
      `store round trips per /metrics read: from the view ${cachedRoundTrips} (${cachedCommands} Redis commands); ?fresh=1 ${freshRoundTrips} (${freshCommands} Redis command: ${[...calls.keys()].join(', ')})`,
    );
    console.log(`GET /metrics (JSON, from the view)        ${fmt(view)}`);
    console.log(`GET /metrics?format=prometheus (view)     ${fmt(prom)}`);
    console.log(`GET /metrics?fresh=1 (read + merge)       ${fmt(fresh)}`);
    console.log(`aggregator.latest({fresh}) in process     ${fmt(freshInProcess)}`);
    console.log(`raw pipelined HGET of the ${nodes} snapshots  ${fmt(raw)}`);

    await edge.close();
    await ioredis.close();
  }
} finally {
  admin.disconnect();
  await redisServer.stop();
}
