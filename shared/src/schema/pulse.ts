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

const isCount = (v: unknown): v is number => Number.isSafeInteger(v) && (v as number) >= 0;
const isNumber = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);
const isText = (max: number) => (v: unknown) => typeof v === 'string' && v.length <= max;
const nullable = (check: (v: unknown) => boolean) => (v: unknown) => v === null || check(v);

const CHECKS: Record<(typeof PULSE_FIELDS)[number], [check: (v: unknown) => boolean, expected: string]> = {
  v: [isCount, 'a version number'],
  id: [(v) => typeof v === 'string' && v.length > 0 && v.length <= 200, 'a node id of 1–200 characters'],
  cluster: [
    (v) => typeof v === 'string' && v.length > 0 && v.length <= 100,
    'a cluster id of 1–100 characters',
  ],
  version: [isText(200), 'a version string'],
  hostname: [isText(255), 'a hostname'],
  mode: [(v) => MODES.includes(v as Mode), `one of ${MODES.join(', ')}`],
  startedAt: [isCount, 'a timestamp'],
  flushedAt: [isCount, 'a timestamp'],
  uptimeSec: [(v) => isNumber(v) && v >= 0, 'seconds'],
  connections: [isCount, 'a count'],
  connects: [isCount, 'a count'],
  disconnects: [isCount, 'a count'],
  eventsIn: [isCount, 'a count'],
  eventsOut: [isCount, 'a count'],
  errors: [isCount, 'a count'],
  authFailures: [isCount, 'a count'],
  rateLimited: [isCount, 'a count'],
  invalidPayloads: [isCount, 'a count'],
  refused: [isCount, 'a count'],
  online: [isCount, 'a count'],
  away: [isCount, 'a count'],
  staleClients: [isCount, 'a count'],
  rss: [isCount, 'bytes'],
  heapUsed: [isCount, 'bytes'],
  cpuPercent: [(v) => isNumber(v) && v >= 0, 'a percentage'],
  eventLoopP99Ms: [isNumber, 'milliseconds'],
  redisConnected: [(v) => v === null || typeof v === 'boolean', 'true, false or null'],
  redisLatencyMs: [nullable((v) => isNumber(v) && v >= 0), 'milliseconds or null'],
  windowMin: [nullable(isNumber), 'milliseconds or null'],
  windowMax: [nullable(isNumber), 'milliseconds or null'],
  cumulativeMin: [nullable(isNumber), 'milliseconds or null'],
  cumulativeMax: [nullable(isNumber), 'milliseconds or null'],
};

/** A parsed pulse, or why it is not one (for the node's `invalid` reason). */
export function readPulse(raw: string): { pulse: NodePulse } | { error: string } {
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
  const pulse: Record<string, unknown> = {};
  const problems: string[] = [];
  for (let i = 0; i < PULSE_FIELDS.length; i++) {
    const field = PULSE_FIELDS[i]!;
    const [check, expected] = CHECKS[field];
    const value = json[i];
    if (!check(value)) problems.push(`${field}: expected ${expected}, received ${JSON.stringify(value)}`);
    pulse[field] = value;
  }
  if (problems.length > 0) {
    const more = problems.length > 3 ? ` (+${problems.length - 3} more)` : '';
    return { error: `snapshot failed validation: ${problems.slice(0, 3).join('; ')}${more}` };
  }
  return { pulse: pulse as unknown as NodePulse };
}
