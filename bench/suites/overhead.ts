import { availableParallelism } from 'node:os';
import { LoadGenerator, SocketServer } from '../lib/processes.ts';
import { mainProfile, type ProfileShares, profileShares } from '../lib/profile.ts';
import { type BarCheck, pct, type SuiteResult, type Table } from '../lib/report.ts';
import { cpuPlan, hasTaskset, rotate, setting, sleep } from '../lib/settings.ts';
import { median, ratio } from '../lib/stats.ts';
import type { Workload } from '../processes/load-protocol.ts';
import { cpuBetween, type ServerMode } from '../processes/socket-server-config.ts';

/**
 * Instrumentation overhead: the same Socket.IO server bare, with Telltale's `instrument(io)`
 * (memory store, real 5 s flush timer) and with @socket.io/admin-ui in production mode, each in
 * its own process, each driven by its own load process of real socket.io-client sockets. One
 * configuration is measured at a time, in rotating order, round after round.
 */

/**
 * `bare-again` is a second bare server with its own load process: the A/A control. How far it lands
 * from `bare` is the noise floor of the run; a difference smaller than that is not a measurement.
 */
/**
 * `telltale-tap` is `telltale` with an admin's tap on every event, held at its cap
 * (`TAP_EVENTS_PER_SECOND`): what a tap costs a node at its cap, next to the same server with none.
 */
const MODES = ['bare', 'bare-again', 'telltale', 'telltale-tap', 'admin-ui'] as const;
type Config = (typeof MODES)[number];
const TAP_EVENTS_PER_SECOND = 100;
const serverMode = (config: Config): ServerMode =>
  config === 'bare-again' ? 'bare' : config === 'telltale-tap' ? 'telltale' : config;
const WORKLOADS: Workload[] = ['echo', 'broadcast'];

interface Measurement {
  round: number;
  mode: Config;
  workload: Workload;
  eventsPerSec: number;
  deliveriesPerSec: number;
  p50Ms: number;
  p99Ms: number;
  serverCpuPercent: number;
  serverCpuUsPerEvent: number;
}

export async function overhead(): Promise<SuiteResult> {
  const settings = {
    // Many short rounds rather than a few long ones: this machine's speed drifts over seconds, and
    // a drift then lands on every configuration alike instead of on whichever ran during it.
    rounds: setting('OVERHEAD_ROUNDS', 10, 2),
    warmupMs: setting('OVERHEAD_WARMUP_MS', 500, 300),
    durationMs: setting('OVERHEAD_DURATION_MS', 1500, 1000),
    clients: setting('OVERHEAD_CLIENTS', 200, 50),
    rooms: setting('OVERHEAD_ROOMS', 10, 5),
    broadcastSenders: setting('OVERHEAD_SENDERS', 50, 10),
    payloadBytes: 64,
    flushIntervalMs: 5000,
  };
  const pin = cpuPlan(availableParallelism(), hasTaskset());
  const servers = new Map<Config, SocketServer>();
  const loads = new Map<Config, LoadGenerator>();
  const measurements: Measurement[] = [];
  try {
    for (const mode of MODES) {
      const server = await SocketServer.start(
        `server:${mode}`,
        {
          mode: serverMode(mode),
          flushIntervalMs: settings.flushIntervalMs,
          ...(mode === 'telltale-tap' ? { tapEventsPerSecond: TAP_EVENTS_PER_SECOND } : {}),
        },
        [],
        pin.server,
      );
      servers.set(mode, server);
      const load = await LoadGenerator.start(`load:${mode}`, pin.load);
      loads.set(mode, load);
      const connected = await load.connect({
        url: server.url,
        count: settings.clients,
        rooms: settings.rooms,
      });
      if (connected.failed > 0)
        throw new Error(`${mode}: ${connected.failed} clients failed: ${connected.firstError}`);
    }
    const measure = async (mode: Config, workload: Workload, round: number): Promise<Measurement> => {
      const server = servers.get(mode)!;
      const load = loads.get(mode)!;
      await load.start({
        workload,
        payloadBytes: settings.payloadBytes,
        senders: workload === 'broadcast' ? settings.broadcastSenders : undefined,
      });
      await sleep(settings.warmupMs);
      const [cpu0, mark0] = await Promise.all([server.usage(), load.mark()]);
      await sleep(settings.durationMs);
      const [cpu1, mark1] = await Promise.all([server.usage(), load.mark()]);
      await load.stopWorkload();
      const seconds = (mark1.atMs - mark0.atMs) / 1000;
      const cpu = cpuBetween(cpu0, cpu1);
      return {
        round,
        mode,
        workload,
        eventsPerSec: mark1.events / seconds,
        deliveriesPerSec: mark1.deliveries / seconds,
        p50Ms: mark1.latency.p50,
        p99Ms: mark1.latency.p99,
        serverCpuPercent: cpu.percent,
        serverCpuUsPerEvent: mark1.events > 0 ? cpu.usTotal / mark1.events : Number.NaN,
      };
    };
    // One untimed pass per configuration so every server is JIT-warm before round 0.
    for (const mode of MODES) for (const workload of WORKLOADS) await measure(mode, workload, -1);
    for (const workload of WORKLOADS) {
      for (let round = 0; round < settings.rounds; round++) {
        for (const mode of rotate(MODES, round)) measurements.push(await measure(mode, workload, round));
      }
    }
  } finally {
    await Promise.all([...loads.values()].map((l) => l.stop()));
    await Promise.all([...servers.values()].map((s) => s.stop()));
  }
  const result = summarizeOverhead(measurements, { ...settings, pinned: pin.server === null ? 0 : 1 });
  const profiles = await profileTable(servers);
  if (profiles) {
    result.tables.push(profiles.table);
    result.data = { ...(result.data as object), profiles: profiles.data };
  }
  return result;
}

/** Code each configuration adds, as matched in its server's CPU profile (self time). */
const ADDED_CODE: Record<string, RegExp> = {
  'telltale instrument': /socket-node\/src\/instrument\/|shared\/src\//,
  '@socket.io/admin-ui': /@socket\.io\/admin-ui/,
};

/** With BENCH_CPU_PROF set: the share of each server's busy CPU spent in instrumentation code. */
async function profileTable(
  servers: Map<Config, SocketServer>,
): Promise<{ table: Table; data: unknown } | null> {
  const rows: Table['rows'] = [];
  const data: Record<string, ProfileShares> = {};
  for (const [mode, server] of servers) {
    if (!server.profileFolder) return null;
    const shares = profileShares(await mainProfile(server.profileFolder), ADDED_CODE);
    data[mode] = shares;
    rows.push([
      mode,
      shares.busyMs,
      shares.shares['telltale instrument'] ?? 0,
      shares.shares['@socket.io/admin-ui'] ?? 0,
      [...(shares.top['telltale instrument'] ?? []), ...(shares.top['@socket.io/admin-ui'] ?? [])]
        .slice(0, 3)
        .join('; '),
    ]);
  }
  return {
    table: {
      title:
        'CPU profiles of the servers (whole run, --cpu-prof): self time in instrumentation code, % of busy CPU',
      columns: ['config', 'busy ms', 'telltale %', 'admin-ui %', 'heaviest frames'],
      rows,
    },
    data,
  };
}

interface ModeSummary {
  workload: Workload;
  mode: Config;
  eventsPerSec: number;
  deliveriesPerSec: number;
  p50Ms: number;
  p99Ms: number;
  serverCpuPercent: number;
  serverCpuUsPerEvent: number;
  /** Median over rounds of (this mode's events/s ÷ bare's events/s in the same round). */
  throughputRatio: number;
  /** Median over rounds of (server CPU per event ÷ bare's in the same round). */
  cpuPerEventRatio: number;
}

export function summarizeOverhead(
  measurements: Measurement[],
  settings: Record<string, number>,
): SuiteResult {
  const summaries: ModeSummary[] = [];
  for (const workload of WORKLOADS) {
    const rounds = [...new Set(measurements.filter((m) => m.workload === workload).map((m) => m.round))];
    const bareOf = (round: number) =>
      measurements.find((m) => m.workload === workload && m.round === round && m.mode === 'bare');
    for (const mode of MODES) {
      const mine = measurements.filter((m) => m.workload === workload && m.mode === mode);
      const pick = (f: (m: Measurement) => number) => median(mine.map(f));
      const paired = (f: (m: Measurement) => number) =>
        median(
          rounds.flatMap((round) => {
            const bare = bareOf(round);
            const m = mine.find((x) => x.round === round);
            return bare && m ? [ratio(f(m), f(bare))] : [];
          }),
        );
      summaries.push({
        workload,
        mode,
        eventsPerSec: pick((m) => m.eventsPerSec),
        deliveriesPerSec: pick((m) => m.deliveriesPerSec),
        p50Ms: pick((m) => m.p50Ms),
        p99Ms: pick((m) => m.p99Ms),
        serverCpuPercent: pick((m) => m.serverCpuPercent),
        serverCpuUsPerEvent: pick((m) => m.serverCpuUsPerEvent),
        throughputRatio: paired((m) => m.eventsPerSec),
        cpuPerEventRatio: paired((m) => m.serverCpuUsPerEvent),
      });
    }
  }
  const table: Table = {
    title: 'Instrumentation overhead (medians over rounds; ratios paired with bare in the same round)',
    columns: [
      'workload',
      'config',
      'events/s',
      'deliveries/s',
      'ack p50 ms',
      'ack p99 ms',
      'server CPU %',
      'CPU µs/event',
      'throughput vs bare',
      'CPU/event vs bare',
    ],
    rows: summaries.map((s) => [
      s.workload,
      s.mode,
      s.eventsPerSec,
      s.workload === 'broadcast' ? s.deliveriesPerSec : null,
      s.p50Ms,
      s.p99Ms,
      s.serverCpuPercent,
      s.serverCpuUsPerEvent,
      pct(s.throughputRatio),
      pct(s.cpuPerEventRatio),
    ]),
  };
  const bars: BarCheck[] = [];
  for (const workload of WORKLOADS) {
    const tt = summaries.find((s) => s.workload === workload && s.mode === 'telltale');
    const ui = summaries.find((s) => s.workload === workload && s.mode === 'admin-ui');
    const again = summaries.find((s) => s.workload === workload && s.mode === 'bare-again');
    if (!tt || !ui) continue;
    if (again) {
      bars.push({
        bar: `${workload}: A/A control (a second bare server) within 3 % of bare, so a 3 % overhead is resolvable`,
        measured: `throughput ${pct(again.throughputRatio)}, CPU/event ${pct(again.cpuPerEventRatio)}`,
        pass: Math.abs(1 - again.throughputRatio) <= 0.03 && Math.abs(1 - again.cpuPerEventRatio) <= 0.03,
      });
    }
    bars.push({
      bar: `${workload}: throughput with instrument(io) >= 97 % of bare`,
      measured: pct(tt.throughputRatio),
      pass: tt.throughputRatio >= 0.97,
    });
    bars.push({
      bar: `${workload}: less overhead than admin-ui (throughput)`,
      measured: `telltale ${pct(tt.throughputRatio)} vs admin-ui ${pct(ui.throughputRatio)}`,
      pass: tt.throughputRatio >= ui.throughputRatio,
    });
    bars.push({
      bar: `${workload}: less overhead than admin-ui (server CPU per event)`,
      measured: `telltale ${pct(tt.cpuPerEventRatio)} vs admin-ui ${pct(ui.cpuPerEventRatio)} of bare`,
      pass: tt.cpuPerEventRatio <= ui.cpuPerEventRatio,
    });
    const tap = summaries.find((s) => s.workload === workload && s.mode === 'telltale-tap');
    if (tap) {
      // The tap's own cost: CPU per event above the same server without one, times its event rate.
      const extraCpuPercent =
        ((tap.serverCpuUsPerEvent - tt.serverCpuUsPerEvent) * tap.eventsPerSec) / 10_000;
      bars.push({
        bar: `${workload}: a tap at its cap (${TAP_EVENTS_PER_SECOND} events/s per node) keeps throughput >= 97 % of bare`,
        measured: `with the tap ${pct(tap.throughputRatio)}, without ${pct(tt.throughputRatio)}; CPU/event ${pct(tap.cpuPerEventRatio)} vs ${pct(tt.cpuPerEventRatio)} of bare (${extraCpuPercent.toFixed(1)} % of a core for the tap)`,
        pass: tap.throughputRatio >= 0.97,
      });
    }
  }
  return {
    suite: 'overhead',
    settings,
    tables: [table],
    bars,
    data: { summaries, measurements },
    notes: [
      settings.pinned
        ? 'pinned (BENCH_PIN): every socket server on CPU 0, every load process on CPU 1; a server that saturates its core shows the overhead in events/s, one held back by its load shows it in CPU µs/event'
        : 'unpinned (BENCH_PIN=0): client and server share the cores, so events/s swings with the scheduler; CPU µs/event on the server is the sharper measure of instrumentation cost',
    ],
  };
}
