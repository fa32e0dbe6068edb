import { hostname } from 'node:os';
import { z } from 'zod';
import { describeError, type InstrumentLogger } from './log.ts';
import type { SocketIdentity } from './socket-table.ts';

/** Node and cluster ids become Redis key names and labels: the same rule as NODE_ID / CLUSTER_ID. */
const ID = /^[\w.-]{1,100}$/;
/** User ids and roles land in the sockets hash and in command routing. */
const IDENTITY_MAX = 200;

/** `<hostname>-<pid>`, cleaned to the characters an id may hold: unique per process on a host. */
export function defaultNodeId(): string {
  return `${hostname()}-${process.pid}`.replace(/[^\w.-]/g, '-').slice(0, 100);
}

const idOption = (name: string) =>
  z
    .string({ error: (issue) => `instrument(): ${name} must be a string: got ${describe(issue.input)}` })
    .regex(ID, {
      error: (issue) =>
        `instrument(): ${name} may only contain letters, digits, . _ and - (1-100 chars): got ${JSON.stringify(issue.input)}`,
    });

const Ids = z.object({
  cluster: idOption('cluster'),
  nodeId: idOption('nodeId'),
  flushIntervalMs: z
    .number({ error: 'instrument(): flushIntervalMs must be a number of milliseconds' })
    .int()
    .min(100, { error: 'instrument(): flushIntervalMs must be at least 100 ms' })
    .max(600_000, { error: 'instrument(): flushIntervalMs must be at most 600000 ms' })
    .optional(),
});

/**
 * Checks the ids and interval of `instrument()` at the call: a missing `nodeId` (the common
 * `process.env.HOSTNAME` outside a container) gets `<hostname>-<pid>` with one logged line; a value
 * that cannot be a key throws an error that says which option and what was given.
 */
export function checkIds(
  options: { cluster?: unknown; nodeId?: unknown; flushIntervalMs?: unknown },
  log: InstrumentLogger,
): { cluster: string; nodeId: string } {
  let nodeId = options.nodeId;
  if (nodeId === undefined || nodeId === null || nodeId === '') {
    nodeId = defaultNodeId();
    log.warn(`instrument(): no nodeId given; using '${nodeId}' (set nodeId to a stable, unique name)`);
  }
  const parsed = Ids.safeParse({ ...options, nodeId });
  if (!parsed.success) throw new TypeError(parsed.error.issues.map((issue) => issue.message).join('; '));
  return { cluster: parsed.data.cluster, nodeId: parsed.data.nodeId };
}

/**
 * Wraps an app's `identify` so that what it returns becomes a valid identity: numbers (and other
 * scalars) become strings, `undefined` becomes null, over-long values are cut; a throw or an
 * unusable value is logged once per kind of problem and counted by `onProblem`, never a crash.
 */
export function guardIdentify<TSocket>(
  identify: (socket: TSocket) => unknown,
  log: InstrumentLogger,
  onProblem: () => void,
): (socket: TSocket) => SocketIdentity {
  const reported = new Set<string>();
  const report = (kind: string, message: string) => {
    onProblem();
    if (reported.has(kind)) return;
    reported.add(kind);
    log.warn(`instrument(): identify ${message} (logged once)`);
  };
  return (socket) => {
    let raw: unknown;
    try {
      raw = identify(socket);
    } catch (error) {
      report('threw', `threw, so the socket is anonymous: ${describeError(error)}`);
      return { userId: null, role: null };
    }
    if (typeof raw !== 'object' || raw === null) {
      report('shape', `returned ${describe(raw)} instead of { userId, role }; the socket is anonymous`);
      return { userId: null, role: null };
    }
    const { userId, role } = raw as { userId?: unknown; role?: unknown };
    return { userId: coerce(userId, 'userId', report), role: coerce(role, 'role', report) };
  };
}

function coerce(
  value: unknown,
  field: string,
  report: (kind: string, message: string) => void,
): string | null {
  if (value === undefined || value === null || value === '') return null;
  if (typeof value === 'string') {
    if (value.length <= IDENTITY_MAX) return value;
    report(`${field}-long`, `returned a ${field} of ${value.length} chars; kept the first ${IDENTITY_MAX}`);
    return value.slice(0, IDENTITY_MAX);
  }
  if (typeof value === 'number' || typeof value === 'bigint' || typeof value === 'boolean') {
    report(
      `${field}-${typeof value}`,
      `returned a ${typeof value} ${field}; used it as the string '${String(value)}'`,
    );
    return String(value).slice(0, IDENTITY_MAX);
  }
  report(`${field}-shape`, `returned ${describe(value)} as ${field}; treated as none`);
  return null;
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (value === undefined) return 'nothing';
  if (Array.isArray(value)) return 'an array';
  return `a value of type ${typeof value}`;
}
