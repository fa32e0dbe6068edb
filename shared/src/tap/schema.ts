import { z } from 'zod';

/**
 * The live event inspector ("tap"): an admin asks every node to report the events that match a
 * filter, sampled and capped per node, for a bounded time. Everything here is bounded: the filter's
 * strings, the rate, the duration, the events kept for the edge to read.
 */
export const TAP_LIMITS = {
  /** A tap ends by itself after at most this long. */
  maxDurationMs: 10 * 60_000,
  minDurationMs: 1000,
  defaultDurationMs: 60_000,
  /** Events per second each node may report for one tap. */
  maxEventsPerSecond: 1000,
  defaultEventsPerSecond: 50,
  /** Taps a node runs at once; one more is refused in its ack. */
  maxActivePerNode: 5,
  /** Entries the store keeps per tap (the oldest go first); the edge reads them from there. */
  entriesKept: 5000,
  /** How long a tap's entries stay readable after it ends. */
  retainAfterEndMs: 10 * 60_000,
  /** A node sends what it caught this often, one store round trip per tap with news. */
  sendEveryMs: 250,
  /** The most payload bytes an app may let a tap see (`instrument({ tap: { payloadBytes } })`). */
  maxPayloadBytes: 4096,
  defaultPayloadBytes: 512,
  /** Event names are cut to this in an entry. */
  eventNameLength: 100,
} as const;

const id = z
  .string()
  .min(1)
  .max(200)
  .regex(/^[\w.:@-]+$/, 'may only contain letters, digits and . : @ _ -');

export const TapFilter = z.strictObject({
  namespace: z
    .string()
    .max(100)
    .regex(/^\/[\w-]*$/, 'must start with / and contain only letters, digits, _ and -')
    .optional(),
  /** An event name, `*` matching any run of characters: `chat:*`, `*typing*`. */
  event: z
    .string()
    .min(1)
    .max(100)
    .regex(/^[\w:.*-]+$/, 'may only contain letters, digits, : . _ - and * (any characters)')
    .optional(),
  socketId: id.optional(),
  userId: id.optional(),
  room: z
    .string()
    .min(1)
    .max(200)
    // biome-ignore lint/suspicious/noControlCharactersInRegex: refusing control characters is the point
    .regex(/^[^\u0000-\u001f\u007f]+$/, 'may not contain control characters')
    .optional(),
});
export type TapFilter = z.infer<typeof TapFilter>;

/** What an admin asks for (`POST /admin/taps`). */
export const TapRequest = z.strictObject({
  filter: TapFilter.default({}),
  /** The share of matching events reported, before the rate cap: 0.1 reports about one in ten. */
  sampleRate: z.number().gt(0).max(1).default(1),
  maxEventsPerSecond: z
    .number()
    .int()
    .min(1)
    .max(TAP_LIMITS.maxEventsPerSecond)
    .default(TAP_LIMITS.defaultEventsPerSecond),
  durationMs: z
    .number()
    .int()
    .min(TAP_LIMITS.minDurationMs)
    .max(TAP_LIMITS.maxDurationMs)
    .default(TAP_LIMITS.defaultDurationMs),
  /** Payloads too, where the app allowed it (truncated and redacted on the node); else none. */
  payloads: z.boolean().default(false),
});
export type TapRequest = z.infer<typeof TapRequest>;

/** A tap as nodes receive it (the `tap-start` command) and the edge keeps it. */
export const TapSpec = z.strictObject({
  id: z.string().regex(/^[\w-]{1,64}$/),
  filter: TapFilter,
  sampleRate: z.number().gt(0).max(1),
  maxEventsPerSecond: z.number().int().min(1).max(TAP_LIMITS.maxEventsPerSecond),
  payloads: z.boolean(),
  actor: z.string().min(1).max(200),
  startedAt: z.number().int(),
  /** Nodes stop at this time by themselves (their clock), whatever else happens. */
  endsAt: z.number().int(),
});
export type TapSpec = z.infer<typeof TapSpec>;

/** The edge's record of a tap: its spec, and when an admin stopped it early. */
export const TapRecord = TapSpec.extend({ stoppedAt: z.number().int().nullable() });
export type TapRecord = z.infer<typeof TapRecord>;

/** One event a node caught. `at` is the node's clock; `bytes` the arguments as JSON. */
export const TapEvent = z.object({
  kind: z.literal('event'),
  at: z.number().int(),
  node: z.string(),
  direction: z.enum(['in', 'out']),
  namespace: z.string(),
  socketId: z.string(),
  userId: z.string().nullable(),
  event: z.string().max(TAP_LIMITS.eventNameLength),
  bytes: z.number().int().nonnegative(),
  /** Inbound events over the node's rate limit are reported, and refused by the node. */
  refused: z.boolean().optional(),
  /** The arguments as redacted JSON, cut to the app's limit; only when the tap and the app allow it. */
  payload: z
    .string()
    .max(TAP_LIMITS.maxPayloadBytes + 3)
    .optional(),
  truncated: z.boolean().optional(),
});
export type TapEvent = z.infer<typeof TapEvent>;

/** What else a node tells about a tap: it started, events it left out over the cap, it ended. */
export const TapNotice = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('started'), at: z.number().int(), node: z.string(), payloads: z.boolean() }),
  z.object({
    kind: z.literal('dropped'),
    at: z.number().int(),
    node: z.string(),
    count: z.number().int().positive(),
  }),
  z.object({
    kind: z.literal('ended'),
    at: z.number().int(),
    node: z.string(),
    reason: z.enum(['duration', 'stopped', 'shutdown']),
  }),
]);
export type TapNotice = z.infer<typeof TapNotice>;

export const TapEntry = z.union([TapEvent, TapNotice]);
export type TapEntry = z.infer<typeof TapEntry>;

/** A tap's state as the edge tells it: `active` until its end time or an admin stops it. */
export function tapState(record: TapRecord, now: number): 'active' | 'ended' {
  return record.stoppedAt === null && now < record.endsAt ? 'active' : 'ended';
}

/** When a tap stops counting: its end, or when it was stopped. */
export function tapEnd(record: TapRecord): number {
  return record.stoppedAt === null ? record.endsAt : Math.min(record.stoppedAt, record.endsAt);
}
