import { startRedis } from '../../test/support/redis.ts';
import { LoadGenerator, SocketServer, waitFor } from '../lib/processes.ts';
import type { BarCheck, SuiteResult, Table } from '../lib/report.ts';
import { rotate, setting } from '../lib/settings.ts';
import { median } from '../lib/stats.ts';
import type { MemoryReport, ServerMode } from '../processes/socket-server-config.ts';

/**
 * Heap per connection: N WebSocket connections to one fresh server process, bare vs instrumented
 * (Telltale flushing to a private Redis, as a cluster node would). Heap and RSS are read after
 * forced GCs, before and after connecting, in the server process itself.
 */

const MODES: ServerMode[] = ['bare', 'telltale'];

interface Measurement {
  round: number;
  mode: ServerMode;
  connections: number;
  connectMs: number;
  connectsPerSec: number;
  idle: MemoryReport;
  loaded: MemoryReport;
  heapPerConnection: number;
  rssPerConnection: number;
}

export async function heap(): Promise<SuiteResult> {
  const settings = {
    rounds: setting('HEAP_ROUNDS', 2, 1),
    connections: setting('HEAP_CONNECTIONS', 10_000, 1000),
    concurrency: setting('HEAP_CONCURRENCY', 200, 100),
    rooms: 100,
    flushIntervalMs: 5000,
  };
  const redis = await startRedis();
  const load = await LoadGenerator.start('load:heap');
  const measurements: Measurement[] = [];
  try {
    for (let round = 0; round < settings.rounds; round++) {
      for (const mode of rotate(MODES, round)) {
        const server = await SocketServer.start(
          `server:${mode}`,
          {
            mode,
            redisUrl: redis.url,
            nodeId: `heap-${mode}-${round}`,
            flushIntervalMs: settings.flushIntervalMs,
          },
          ['--expose-gc'],
        );
        try {
          const idle = await server.memory();
          const connected = await load.connect({
            url: server.url,
            count: settings.connections,
            concurrency: settings.concurrency,
            rooms: settings.rooms,
          });
          if (connected.failed > 0) {
            throw new Error(
              `${connected.failed} of ${settings.connections} connections failed: ${connected.firstError}`,
            );
          }
          // The instrumented node holds what it has flushed (the sockets delta) only until the flush.
          await server.flush();
          const loaded = await server.memory();
          if (loaded.connections !== settings.connections) {
            throw new Error(
              `server reports ${loaded.connections} connections, expected ${settings.connections}`,
            );
          }
          measurements.push({
            round,
            mode,
            connections: settings.connections,
            connectMs: connected.ms,
            connectsPerSec: (settings.connections / connected.ms) * 1000,
            idle,
            loaded,
            heapPerConnection: (loaded.heapUsed - idle.heapUsed) / settings.connections,
            rssPerConnection: (loaded.rss - idle.rss) / settings.connections,
          });
          await load.close();
          await waitFor(async () => (await server.connections()) === 0, 30_000, 200);
        } finally {
          await server.stop();
        }
      }
    }
  } finally {
    await load.stop();
    await redis.stop();
  }
  return summarizeHeap(measurements, settings);
}

export function summarizeHeap(measurements: Measurement[], settings: Record<string, number>): SuiteResult {
  const of = (mode: ServerMode) => measurements.filter((m) => m.mode === mode);
  const rounds = [...new Set(measurements.map((m) => m.round))];
  const extra = (f: (m: Measurement) => number) =>
    median(
      rounds.flatMap((round) => {
        const bare = measurements.find((m) => m.round === round && m.mode === 'bare');
        const tt = measurements.find((m) => m.round === round && m.mode === 'telltale');
        return bare && tt ? [f(tt) - f(bare)] : [];
      }),
    );
  const rows = MODES.map((mode) => {
    const mine = of(mode);
    const pick = (f: (m: Measurement) => number) => median(mine.map(f));
    return {
      mode,
      heapPerConnection: pick((m) => m.heapPerConnection),
      rssPerConnection: pick((m) => m.rssPerConnection),
      heapUsedMb: pick((m) => m.loaded.heapUsed / 2 ** 20),
      rssMb: pick((m) => m.loaded.rss / 2 ** 20),
      connectsPerSec: pick((m) => m.connectsPerSec),
    };
  });
  const extraHeap = extra((m) => m.heapPerConnection);
  const extraRss = extra((m) => m.rssPerConnection);
  const table: Table = {
    title: `Heap per connection: ${settings.connections} WebSocket connections, after GC (medians over rounds)`,
    columns: [
      'config',
      'heap B/conn',
      'RSS B/conn',
      'heap MB',
      'RSS MB',
      'connects/s',
      'extra heap B/conn',
      'extra RSS B/conn',
    ],
    rows: rows.map((r) => [
      r.mode,
      r.heapPerConnection,
      r.rssPerConnection,
      r.heapUsedMb,
      r.rssMb,
      r.connectsPerSec,
      r.mode === 'bare' ? null : extraHeap,
      r.mode === 'bare' ? null : extraRss,
    ]),
  };
  const bars: BarCheck[] = [
    {
      bar: '<= 1 KB extra heap per connection',
      measured: `${Math.round(extraHeap)} B per connection (paired median)`,
      pass: extraHeap <= 1024,
    },
  ];
  const bareRate = rows.find((r) => r.mode === 'bare')?.connectsPerSec ?? Number.NaN;
  const ttRate = rows.find((r) => r.mode === 'telltale')?.connectsPerSec ?? Number.NaN;
  bars.push({
    bar: `${settings.connections} connections on one node (scale)`,
    measured: `all connected; connect rate ${Math.round(ttRate)}/s instrumented vs ${Math.round(bareRate)}/s bare`,
    pass: measurements.length > 0,
  });
  return { suite: 'heap', settings, tables: [table], bars, data: { rows, measurements }, notes: [] };
}
