import { type Command, type CommandResult, dispatchCommand } from '@telltale/shared';
import { createIoredisStore } from '@telltale/shared/store/ioredis';
import { Redis } from 'ioredis';
import { startRedis } from '../../test/support/redis.ts';
import { LoadGenerator, SocketServer } from '../lib/processes.ts';
import { countRoundTrips } from '../lib/redis-count.ts';
import { type BarCheck, ms, type SuiteResult, type Table } from '../lib/report.ts';
import { setting } from '../lib/settings.ts';
import { median, ratio, summarize } from '../lib/stats.ts';
import type { AnchorResult } from '../processes/socket-server-config.ts';

/**
 * Commands: three instrumented socket nodes on a private Redis (Telltale store + Socket.IO's Redis
 * adapter). Telltale's disconnect goes through the edge's dispatch module (route, publish, collect
 * acks, audit); the anchor is Socket.IO's own cross-node request with acknowledgement,
 * `io.serverSideEmit(event, id, callback)`, timed on node 0. Samples alternate one by one. Then a
 * node is frozen (SIGSTOP: a hung process) and killed (SIGKILL), and both answer what they can.
 */

const CLUSTER = 'bench';
const NODES = 3;
/** Untimed disconnects on each side first (script load, JIT). */
const WARMUP = 5;

interface FailureSample {
  scenario: 'hung' | 'killed';
  system: 'telltale' | 'anchor';
  ms: number;
  answered: number;
  expected: number;
  detail: string;
}

export async function commands(): Promise<SuiteResult> {
  const settings = {
    /** Samples per round; the p99 ratio is the median over rounds of the ratio within each round. */
    samples: setting('COMMANDS_SAMPLES', 200, 40),
    rounds: setting('COMMANDS_ROUNDS', 3, 2),
    failureSamples: setting('COMMANDS_FAILURE_SAMPLES', 3, 2),
    timeoutMs: setting('COMMANDS_TIMEOUT_MS', 1000, 500),
    flushIntervalMs: 5000,
  };
  const redis = await startRedis();
  const servers: SocketServer[] = [];
  const load = await LoadGenerator.start('load:commands');
  const connection = new Redis(redis.url);
  await new Promise((resolve) => connection.once('ready', resolve));
  const trips = countRoundTrips(connection);
  const store = createIoredisStore(connection);
  let tripsOurs = 0;
  const ours: number[][] = [];
  const anchor: number[][] = [];
  const details: number[][] = [];
  const failures: FailureSample[] = [];
  const dispatch = async (command: Command): Promise<CommandResult> => {
    const dispatched = await dispatchCommand(
      { store: store.forCluster(CLUSTER), timeoutMs: settings.timeoutMs },
      command,
      'bench',
    );
    if (!('result' in dispatched)) throw new Error(`nobody to run ${command.type}: ${dispatched.kind}`);
    return dispatched.result;
  };
  try {
    for (let k = 0; k < NODES; k++) {
      servers.push(
        await SocketServer.start(`node-${k}`, {
          mode: 'telltale',
          cluster: CLUSTER,
          nodeId: `node-${k}`,
          redisUrl: redis.url,
          adapterRedisUrl: redis.url,
          flushIntervalMs: settings.flushIntervalMs,
          requestsTimeoutMs: settings.timeoutMs,
        }),
      );
    }
    // Per node: sockets for our disconnects and the anchor's, plus users present on every node.
    const total = settings.samples * settings.rounds + WARMUP;
    const perNode = Math.ceil(total / NODES) + Math.ceil(total / (NODES - 1));
    const pools = { ours: [] as string[], anchor: [] as string[], detail: [] as string[] };
    for (let k = 0; k < NODES; k++) {
      const server = servers[k]!;
      const single = await load.connect({ url: server.url, count: perNode, userPrefix: `n${k}-user-` });
      const spread = await load.connect({
        url: server.url,
        count: 4 * settings.failureSamples,
        userPrefix: 'spread-',
      });
      if (single.failed + spread.failed > 0)
        throw new Error(`node-${k}: connections failed: ${single.firstError ?? spread.firstError}`);
      const ids = single.ids.map((s) => s.id);
      const inspected = await load.connect({ url: server.url, count: 4, userPrefix: `detail-${k}-` });
      pools.detail.push(...inspected.ids.map((s) => s.id));
      const forOurs = Math.ceil(total / NODES);
      pools.ours.push(...ids.slice(0, forOurs));
      if (k > 0) pools.anchor.push(...ids.slice(forOurs));
      await server.flush();
    }
    shuffle(pools.ours);
    shuffle(pools.anchor);

    // Warm both paths (script load, JIT) before timing.
    for (let i = 0; i < WARMUP; i++) {
      await dispatch({ type: 'disconnect-socket', socketId: pools.ours.pop()! });
      await servers[0]!.anchor(pools.anchor.pop()!);
    }
    for (let round = 0; round < settings.rounds; round++) {
      const mine: number[] = [];
      const theirs: number[] = [];
      const detail: number[] = [];
      for (let i = 0; i < settings.samples; i++) {
        const socketId = pools.ours.pop();
        const target = pools.anchor.pop();
        if (!socketId || !target) break;
        const started = performance.now();
        const tripsBefore = trips.count;
        const result = await dispatch({ type: 'disconnect-socket', socketId });
        mine.push(performance.now() - started);
        tripsOurs += trips.count - tripsBefore;
        if (!result.complete || result.affected !== 1)
          throw new Error(`disconnect ${socketId}: ${JSON.stringify(result)}`);
        const answer = await servers[0]!.anchor(target);
        if (answer.error || answer.responses.reduce((a, b) => a + b, 0) !== 1) {
          throw new Error(`anchor disconnect ${target}: ${JSON.stringify(answer)}`);
        }
        theirs.push(answer.ms);
        const inspected = pools.detail[i % pools.detail.length]!;
        const asked = performance.now();
        const read = await dispatch({ type: 'socket-detail', socketId: inspected });
        detail.push(performance.now() - asked);
        if (!read.complete || read.acks[0]?.socket?.id !== inspected)
          throw new Error(`socket detail ${inspected}: ${JSON.stringify(read)}`);
      }
      ours.push(mine);
      anchor.push(theirs);
      details.push(detail);
    }

    const victim = servers[NODES - 1]!;
    let spreadUser = 0;
    const failureRound = async (scenario: FailureSample['scenario']) => {
      for (let i = 0; i < settings.failureSamples; i++) {
        const userId = `spread-${spreadUser++}`;
        const started = performance.now();
        const result = await dispatch({ type: 'disconnect-user', userId });
        failures.push({
          scenario,
          system: 'telltale',
          ms: performance.now() - started,
          answered: result.acked.length,
          expected: result.targeted.length,
          detail: `affected ${result.affected}, missing [${result.missing.join(', ')}]`,
        });
        const answer: AnchorResult = await servers[0]!.anchorUser(`spread-${spreadUser++}`);
        failures.push({
          scenario,
          system: 'anchor',
          ms: answer.ms,
          answered: answer.responses.length + 1,
          expected: NODES,
          detail: `affected ${answer.responses.reduce((a, b) => a + b, 0)} remote${answer.error ? `, ${answer.error}` : ''}`,
        });
      }
    };
    victim.child.signal('SIGSTOP');
    await failureRound('hung');
    victim.child.signal('SIGCONT');
    victim.child.signal('SIGKILL');
    await victim.child.exit;
    await failureRound('killed');
  } finally {
    await load.stop();
    await Promise.all(servers.map((s) => s.stop()));
    await store.close();
    connection.disconnect();
    await redis.stop();
  }
  const samples = ours.flat().length;
  const roundTrips = samples > 0 ? tripsOurs / samples : Number.NaN;
  return summarizeCommands(ours, anchor, failures, { ...settings, roundTrips }, details);
}

function shuffle<T>(items: T[]): void {
  for (let i = items.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    [items[i], items[j]] = [items[j]!, items[i]!];
  }
}

/**
 * `oursRounds[r]` and `anchorRounds[r]` are the samples of round r, taken alternately one by one:
 * pooled percentiles describe each system, and the ratios are medians over rounds of the ratio
 * within a round, so one noisy stretch of the machine moves one round, not the verdict.
 */
export function summarizeCommands(
  oursRounds: number[][],
  anchorRounds: number[][],
  failures: FailureSample[],
  settings: Record<string, number>,
  detailRounds: number[][] = [],
): SuiteResult {
  const ours = summarize(oursRounds.flat());
  const detail = summarize(detailRounds.flat());
  const anchor = summarize(anchorRounds.flat());
  const perRound = (p: 'p50' | 'p99') =>
    median(oursRounds.map((times, r) => ratio(summarize(times)[p], summarize(anchorRounds[r] ?? [])[p])));
  const p50Ratio = perRound('p50');
  const p99Ratio = perRound('p99');
  const table: Table = {
    title: `Disconnect one socket, ${NODES} nodes, loopback Redis (${ours.n} samples each in ${oursRounds.length} rounds, alternating one by one)`,
    columns: ['system', 'p50 ms', 'p99 ms', 'max ms', 'p50 vs anchor', 'p99 vs anchor', 'Redis round trips'],
    rows: [
      [
        'telltale dispatch (route + publish + acks + audit)',
        ours.p50,
        ours.p99,
        ours.max,
        p50Ratio,
        p99Ratio,
        settings.roundTrips ?? null,
      ],
      [
        'anchor: serverSideEmit with ack (Redis adapter)',
        anchor.p50,
        anchor.p99,
        anchor.max,
        1,
        1,
        '2 (NUMSUB, PUBLISH)',
      ],
      [
        'telltale socket detail (GET /admin/sockets/:id: publish to the owner, ack carries the detail)',
        detail.p50,
        detail.p99,
        detail.max,
        ratio(detail.p50, anchor.p50),
        ratio(detail.p99, anchor.p99),
        '2 (no audit)',
      ],
    ],
  };
  const failureRows = (['hung', 'killed'] as const).flatMap((scenario) =>
    (['telltale', 'anchor'] as const).map((system) => {
      const mine = failures.filter((f) => f.scenario === scenario && f.system === system);
      const s = summarize(mine.map((f) => f.ms));
      const last = mine[mine.length - 1];
      return [
        scenario,
        system,
        s.p50,
        s.max,
        last ? `${last.answered}/${last.expected} nodes` : '–',
        last?.detail ?? '–',
      ];
    }),
  );
  const failureTable: Table = {
    title: `One node of ${NODES} down: disconnect a user present on every node (command timeout = adapter requestsTimeout = ${settings.timeoutMs} ms)`,
    columns: ['node', 'system', 'p50 ms', 'max ms', 'answered', 'detail'],
    rows: failureRows,
  };
  const partial = failures.filter((f) => f.system === 'telltale');
  const bars: BarCheck[] = [
    {
      bar: 'disconnect ack round trip p99 <= 20 ms on loopback',
      measured: ms(ours.p99),
      pass: ours.p99 <= 20,
    },
    {
      bar: 'no slower than the anchor (p99, median over rounds of the per-round ratio)',
      measured: `${p99Ratio.toFixed(2)}× (pooled ${ms(ours.p99)} vs ${ms(anchor.p99)}; p50 ${p50Ratio.toFixed(2)}×)`,
      pass: p99Ratio <= 1,
    },
    {
      bar: 'partial answer when a node is down, bounded by the command timeout',
      measured: partial
        .map((f) => `${f.scenario} ${Math.round(f.ms)} ms ${f.answered}/${f.expected}`)
        .join('; '),
      pass:
        partial.length > 0 &&
        partial.every((f) => f.answered === f.expected - 1 && f.ms <= settings.timeoutMs! + 250),
    },
  ];
  return {
    suite: 'commands',
    settings,
    tables: [table, failureTable],
    bars,
    data: { ours, anchor, p50Ratio, p99Ratio, rounds: oursRounds.length, failures },
    notes: [
      "the anchor's timeout is the Redis adapter's requestsTimeout (io.timeout() does not apply to serverSideEmit); it counts servers with PUBSUB NUMSUB, so a killed node (its subscription gone) is simply not waited for, while a hung one is",
    ],
  };
}
