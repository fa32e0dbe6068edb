import { availableParallelism } from 'node:os';
import { createMemoryStore } from '@telltale/shared/store/memory';
import { startBenchEdge } from '../lib/edge.ts';
import { type BarCheck, pct, type SuiteResult, type Table } from '../lib/report.ts';
import { cpuPlan, hasTaskset, pinSelf, rotate, setting, sleep } from '../lib/settings.ts';
import { realisticSnapshot } from '../lib/snapshots.ts';
import { median, ratio } from '../lib/stats.ts';
import { runWrk, type WrkResult } from '../lib/wrk.ts';

/**
 * Edge HTTP: wrk against `/health` and `/metrics` of the edge's Node entry, and against a bare Hono
 * route added to the same app on the same port, in rotating order. The cluster (3 nodes of 100
 * sockets) sits in the in-memory store and keeps flushing, so the aggregator's view stays live.
 */

const ROUTES = ['/bench/bare', '/health', '/metrics'] as const;
type Route = (typeof ROUTES)[number];

interface Measurement extends WrkResult {
  round: number;
  route: Route;
}

export async function edgeHttp(): Promise<SuiteResult> {
  const settings = {
    rounds: setting('HTTP_ROUNDS', 4, 2),
    durationSec: setting('HTTP_DURATION_SEC', 3, 1),
    connections: setting('HTTP_CONNECTIONS', 50, 20),
    threads: 1,
    nodes: 3,
    tickIntervalMs: 1000,
  };
  const pin = cpuPlan(availableParallelism(), hasTaskset());
  const store = createMemoryStore();
  const flushAll = () =>
    Promise.all(
      Array.from({ length: settings.nodes }, (_, i) =>
        store.forCluster('bench').flush({
          snapshot: realisticSnapshot('bench', i, 100, Date.now()),
          sockets: { upsert: [], remove: [] },
          ttlMs: 15_000,
        }),
      ),
    );
  await flushAll();
  const flusher = setInterval(() => void flushAll(), 1000);
  const edge = await startBenchEdge(store, {
    TICK_INTERVAL_MS: String(settings.tickIntervalMs),
    EXPECTED_NODES: String(settings.nodes),
  });
  // The control: a route that does nothing, on the same Hono instance, port and middleware.
  edge.app.get('/bench/bare', (c) => c.json({ status: 'pass' }));
  const measurements: Measurement[] = [];
  // The edge under test runs in this process: pinned like a socket server, wrk like a load process.
  const unpin = pinSelf(pin.server);
  try {
    for (const route of ROUTES) {
      const response = await fetch(`${edge.url}${route}`);
      if (response.status !== 200)
        throw new Error(`${route} answered ${response.status}: ${await response.text()}`);
    }
    const hit = (route: Route) =>
      runWrk({
        url: `${edge.url}${route}`,
        threads: settings.threads,
        connections: settings.connections,
        durationSec: 1,
        cpus: pin.load,
      });
    for (const route of ROUTES) await hit(route);
    for (let round = 0; round < settings.rounds; round++) {
      for (const route of rotate(ROUTES, round)) {
        const result = await runWrk({
          url: `${edge.url}${route}`,
          threads: settings.threads,
          connections: settings.connections,
          durationSec: settings.durationSec,
          cpus: pin.load,
        });
        measurements.push({ ...result, round, route });
        await sleep(200);
      }
    }
  } finally {
    clearInterval(flusher);
    await edge.close();
    await store.close();
    unpin();
  }
  return summarizeHttp(measurements, { ...settings, pinned: pin.server === null ? 0 : 1 });
}

export function summarizeHttp(measurements: Measurement[], settings: Record<string, number>): SuiteResult {
  const rows = ROUTES.map((route) => {
    const mine = measurements.filter((m) => m.route === route);
    const vsBare = median(
      mine.flatMap((m) => {
        const bare = measurements.find((b) => b.round === m.round && b.route === '/bench/bare');
        return bare ? [ratio(m.requestsPerSec, bare.requestsPerSec)] : [];
      }),
    );
    return {
      route,
      requestsPerSec: median(mine.map((m) => m.requestsPerSec)),
      p50Ms: median(mine.map((m) => m.p50Ms)),
      p99Ms: median(mine.map((m) => m.p99Ms)),
      errors: mine.reduce((a, m) => a + m.errors, 0),
      vsBare,
    };
  });
  const table: Table = {
    title: `Edge HTTP: wrk -t${settings.threads} -c${settings.connections} -d${settings.durationSec}s per round (medians; ratio paired with the bare route per round)`,
    columns: ['route', 'req/s', 'p50 ms', 'p99 ms', 'errors', 'vs bare route'],
    rows: rows.map((r) => [r.route, r.requestsPerSec, r.p50Ms, r.p99Ms, r.errors, pct(r.vsBare)]),
  };
  const health = rows.find((r) => r.route === '/health');
  const bars: BarCheck[] = health
    ? [
        {
          bar: "/health >= 90 % of a bare Hono route's requests/s",
          measured: pct(health.vsBare),
          pass: health.vsBare >= 0.9,
        },
      ]
    : [];
  const notes = rows.some((r) => r.errors > 0)
    ? ['some requests failed (see errors); those rounds are not a fair comparison']
    : [];
  return { suite: 'edge-http', settings, tables: [table], bars, data: { rows, measurements }, notes };
}
