import { type NodeSnapshot, SNAPSHOT_VERSION } from './snapshot.ts';

/**
 * A node's pulse: the few scalars of its snapshot the edge reads every tick (who it is, its state,
 * its counters' totals, its health gauges, its sketches' min and max). Whatever sums across nodes
 * in maps and buckets is in the cluster ledger instead, so a tick reads about 300 bytes per node
 * however many labels, buckets or rooms the node has. The store writes it beside the snapshot at
 * each flush, from the snapshot (the Lua in `aggregate-scripts.ts` for Redis, `pulseOf` in memory).
 *
 * It is a JSON array in `PULSE_FIELDS` order: the edge parses thousands per tick, and an array
 * parses and checks in one loop.
 */
export const PULSE_FIELDS = [
  'v',
  'id',
  'cluster',
  'version',
  'hostname',
  'mode',
  'startedAt',
  'flushedAt',
  'uptimeSec',
  'connections',
  'connects',
  'disconnects',
  'eventsIn',
  'eventsOut',
  'errors',
  'authFailures',
  'rateLimited',
  'invalidPayloads',
  'refused',
  'online',
  'away',
  'staleClients',
  'rss',
  'heapUsed',
  'cpuPercent',
  'eventLoopP99Ms',
  'redisConnected',
  'redisLatencyMs',
  'windowMin',
  'windowMax',
  'cumulativeMin',
  'cumulativeMax',
] as const;

const MODES = ['starting', 'running', 'maintenance', 'draining'] as const;
/** A checked pulse as parsed: its fields by position. */
type PulseTuple = {
  -readonly [K in keyof typeof PULSE_FIELDS]: (typeof PULSE_FIELDS)[K] extends keyof NodePulse
    ? NodePulse[(typeof PULSE_FIELDS)[K]]
    : never;
};
type Mode = (typeof MODES)[number];

export interface NodePulse {
  v: number;
  id: string;
  cluster: string;
  version: string;
  hostname: string;
  mode: Mode;
  startedAt: number;
  flushedAt: number;
  uptimeSec: number;
  connections: number;
  connects: number;
  disconnects: number;
  eventsIn: number;
  eventsOut: number;
  errors: number;
  authFailures: number;
  rateLimited: number;
  invalidPayloads: number;
  /** New connections refused, every reason summed. */
  refused: number;
  online: number;
  away: number;
  staleClients: number;
  rss: number;
  heapUsed: number;
  cpuPercent: number;
  eventLoopP99Ms: number;
  redisConnected: boolean | null;
  redisLatencyMs: number | null;
  windowMin: number | null;
  windowMax: number | null;
  cumulativeMin: number | null;
  cumulativeMax: number | null;
}

/** The pulse of a snapshot, as the store writes it (a JSON array in `PULSE_FIELDS` order). */
export function pulseOf(s: NodeSnapshot): unknown[] {
  const pulse = nodePulse(s);
  return PULSE_FIELDS.map((field) => pulse[field]);
}

/** The pulse of a snapshot, as the edge reads it. */
export function nodePulse(s: NodeSnapshot): NodePulse {
  const refused = Object.values(s.counters.refusedConnections).reduce((sum, n) => sum + n, 0);
  return {
    v: s.v,
    id: s.node.id,
    cluster: s.node.cluster,
    version: s.node.version,
    hostname: s.node.hostname,
    mode: s.node.mode,
    startedAt: s.node.startedAt,
    flushedAt: s.node.flushedAt,
    uptimeSec: s.infra.uptimeSec,
    connections: s.gauges.connections,
    connects: s.counters.connects,
    disconnects: s.counters.disconnects,
    eventsIn: s.counters.eventsIn,
    eventsOut: s.counters.eventsOut,
    errors: s.counters.errors,
    authFailures: s.counters.authFailures,
    rateLimited: s.counters.rateLimited,
    invalidPayloads: s.counters.invalidPayloads,
    refused,
    online: s.presence.online,
    away: s.presence.away,
    staleClients: s.presence.staleClients,
    rss: s.infra.memory.rss,
    heapUsed: s.infra.memory.heapUsed,
    cpuPercent: s.infra.cpuPercent,
    eventLoopP99Ms: s.infra.eventLoop.p99Ms,
    redisConnected: s.infra.redis.connected,
    redisLatencyMs: s.infra.redis.latencyMs,
    windowMin: s.latency.window.min,
    windowMax: s.latency.window.max,
    cumulativeMin: s.latency.cumulative.min,
    cumulativeMax: s.latency.cumulative.max,
  };
}

function isCount(v: unknown): v is number {
  return typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;
}
function isNumber(v: unknown): v is number {
  return typeof v === 'number' && Number.isFinite(v);
}
function isMs(v: unknown): boolean {
  return v === null || (typeof v === 'number' && Number.isFinite(v));
}
function isText(v: unknown, min: number, max: number): boolean {
  return typeof v === 'string' && v.length >= min && v.length <= max;
}

type Check = readonly [check: (v: unknown) => boolean, expected: string];
const count: Check = [isCount, 'a count'];
const timestamp: Check = [isCount, 'a timestamp'];
const bytes: Check = [isCount, 'bytes'];
const msOrNull: Check = [isMs, 'milliseconds or null'];

/** What a valid value of each field is, and how to say so; every field of `NodePulse` has one. */
const CHECK_BY_FIELD: Record<(typeof PULSE_FIELDS)[number], Check> = {
  v: [isCount, 'a version number'],
  id: [(v) => isText(v, 1, 200), 'a node id of 1–200 characters'],
  cluster: [(v) => isText(v, 1, 100), 'a cluster id of 1–100 characters'],
  version: [(v) => isText(v, 0, 200), 'a version string'],
  hostname: [(v) => isText(v, 0, 255), 'a hostname'],
  mode: [(v) => MODES.includes(v as Mode), `one of ${MODES.join(', ')}`],
  startedAt: timestamp,
  flushedAt: timestamp,
  uptimeSec: [(v) => isNumber(v) && v >= 0, 'seconds'],
  connections: count,
  connects: count,
  disconnects: count,
  eventsIn: count,
  eventsOut: count,
  errors: count,
  authFailures: count,
  rateLimited: count,
  invalidPayloads: count,
  refused: count,
  online: count,
  away: count,
  staleClients: count,
  rss: bytes,
  heapUsed: bytes,
  cpuPercent: [(v) => isNumber(v) && v >= 0, 'a percentage'],
  eventLoopP99Ms: [isNumber, 'milliseconds'],
  redisConnected: [(v) => v === null || typeof v === 'boolean', 'true, false or null'],
  redisLatencyMs: [(v) => v === null || (isNumber(v) && v >= 0), 'milliseconds or null'],
  windowMin: msOrNull,
  windowMax: msOrNull,
  cumulativeMin: msOrNull,
  cumulativeMax: msOrNull,
};

/** The same checks by position, as the pulse's array holds the fields. */
const CHECKS: readonly Check[] = PULSE_FIELDS.map((field) => CHECK_BY_FIELD[field]);

/** Why a pulse could not be read (the node's `invalid` reason). */
export interface PulseError {
  error: string;
}

/**
 * A parsed pulse, or why it is not one. The edge reads one per node per tick: one loop of plain
 * checks, and an object of one fixed shape, with nothing else allocated.
 */
export function readPulse(raw: string): NodePulse | PulseError {
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch (err) {
    return { error: `pulse is not valid JSON: ${(err as Error).message}` };
  }
  if (!Array.isArray(json)) return { error: 'pulse is not an array' };
  if (json[0] !== SNAPSHOT_VERSION) {
    return {
      error: `snapshot version ${JSON.stringify(json[0]) ?? 'missing'} is not supported (this edge reads v${SNAPSHOT_VERSION})`,
    };
  }
  if (json.length !== PULSE_FIELDS.length) {
    return { error: `pulse has ${json.length} fields, not ${PULSE_FIELDS.length}` };
  }
  let problems: string[] | null = null;
  for (let i = 0; i < CHECKS.length; i++) {
    // Indexed, not destructured: array destructuring walks an iterator, on every field of every node.
    const check = CHECKS[i]!;
    if (!check[0](json[i])) {
      problems ??= [];
      problems.push(`${PULSE_FIELDS[i]}: expected ${check[1]}, received ${JSON.stringify(json[i])}`);
    }
  }
  if (problems) {
    const more = problems.length > 3 ? ` (+${problems.length - 3} more)` : '';
    return { error: `snapshot failed validation: ${problems.slice(0, 3).join('; ')}${more}` };
  }
  const f = json as unknown as PulseTuple;
  return {
    v: f[0],
    id: f[1],
    cluster: f[2],
    version: f[3],
    hostname: f[4],
    mode: f[5],
    startedAt: f[6],
    flushedAt: f[7],
    uptimeSec: f[8],
    connections: f[9],
    connects: f[10],
    disconnects: f[11],
    eventsIn: f[12],
    eventsOut: f[13],
    errors: f[14],
    authFailures: f[15],
    rateLimited: f[16],
    invalidPayloads: f[17],
    refused: f[18],
    online: f[19],
    away: f[20],
    staleClients: f[21],
    rss: f[22],
    heapUsed: f[23],
    cpuPercent: f[24],
    eventLoopP99Ms: f[25],
    redisConnected: f[26],
    redisLatencyMs: f[27],
    windowMin: f[28],
    windowMax: f[29],
    cumulativeMin: f[30],
    cumulativeMax: f[31],
  };
}
