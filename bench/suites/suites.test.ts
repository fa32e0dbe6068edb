import { afterEach, describe, expect, it } from 'vitest';
import { clusterRead } from './cluster-read.ts';
import { commands } from './commands.ts';
import { edgeHttp } from './edge-http.ts';
import { heap } from './heap.ts';
import { overhead } from './overhead.ts';

/**
 * The suites end to end at toy sizes: they must keep running against the real socket-node,
 * edge and store code as that code changes. Numbers are not judged here, only their shape.
 */

const saved = { ...process.env };
afterEach(() => {
  process.env = { ...saved };
});

describe('bench suites at toy sizes', () => {
  it('cluster-read reads 10 nodes in one round trip by every store path, and measures every bar', async () => {
    Object.assign(process.env, {
      BENCH_READ_SIZES: '10',
      BENCH_READ_ROUNDS: '1',
      BENCH_READ_ITERATIONS: '3',
      BENCH_READ_BUDGET_MS: '0',
      BENCH_READ_CONNECTIONS_PER_NODE: '1000',
      BENCH_READ_AGGREGATE_NODES: '2',
      BENCH_READ_PAGED_ROOMS: '2000',
      BENCH_READ_REAL_CONNECTIONS: '50',
      BENCH_READ_SNAPSHOT_USERS: '50,1000',
    });
    const result = await clusterRead();
    const trips = result.bars.find((b) => b.bar.startsWith('one store round trip'));
    expect(trips?.pass).toBe(true);
    expect(result.tables.map((t) => t.rows.length)).toEqual([3, 4, 4, 4]);
    expect(result.bars.find((b) => b.bar.startsWith('snapshot size'))?.pass).toBe(true);
  }, 120_000);

  it('edge-http measures the bare route, /health and /metrics with wrk', async () => {
    Object.assign(process.env, {
      BENCH_HTTP_ROUNDS: '1',
      BENCH_HTTP_DURATION_SEC: '1',
      BENCH_HTTP_CONNECTIONS: '5',
    });
    const result = await edgeHttp();
    const rows = result.tables[0]?.rows ?? [];
    expect(rows.map((r) => r[0])).toEqual(['/bench/bare', '/health', '/metrics']);
    for (const row of rows) {
      expect(row[1]).toBeGreaterThan(0);
      expect(row[4]).toBe(0);
    }
  }, 60_000);

  it('commands disconnects across 3 nodes and answers partially with one node down', async () => {
    Object.assign(process.env, {
      BENCH_COMMANDS_SAMPLES: '6',
      BENCH_COMMANDS_ROUNDS: '2',
      BENCH_COMMANDS_FAILURE_SAMPLES: '1',
      BENCH_COMMANDS_TIMEOUT_MS: '300',
    });
    const result = await commands();
    const partial = result.bars.find((b) => b.bar.startsWith('partial answer'));
    expect(partial?.pass).toBe(true);
    expect(result.tables[0]?.rows[0]?.[1]).toBeGreaterThan(0);
    expect(result.data).toMatchObject({ rounds: 2, ours: { n: 12 }, anchor: { n: 12 } });
  }, 120_000);

  it('overhead drives bare, instrumented (with and without a tap) and admin-ui servers with real clients', async () => {
    Object.assign(process.env, {
      BENCH_OVERHEAD_ROUNDS: '1',
      BENCH_OVERHEAD_WARMUP_MS: '100',
      BENCH_OVERHEAD_DURATION_MS: '300',
      BENCH_OVERHEAD_CLIENTS: '10',
      BENCH_OVERHEAD_SENDERS: '3',
    });
    const result = await overhead();
    const rows = result.tables[0]?.rows ?? [];
    expect(rows.map((r) => `${r[0]}/${r[1]}`)).toEqual([
      'echo/bare',
      'echo/bare-again',
      'echo/telltale',
      'echo/telltale-tap',
      'echo/admin-ui',
      'broadcast/bare',
      'broadcast/bare-again',
      'broadcast/telltale',
      'broadcast/telltale-tap',
      'broadcast/admin-ui',
    ]);
    for (const row of rows) expect(row[2]).toBeGreaterThan(0);
  }, 120_000);

  it('heap reads memory after GC with N sockets on a bare and an instrumented server', async () => {
    Object.assign(process.env, { BENCH_HEAP_ROUNDS: '1', BENCH_HEAP_CONNECTIONS: '200' });
    const result = await heap();
    const rows = result.tables[0]?.rows ?? [];
    expect(rows.map((r) => r[0])).toEqual(['bare', 'telltale']);
    for (const row of rows) expect(row[1]).toBeGreaterThan(0);
  }, 120_000);
});
