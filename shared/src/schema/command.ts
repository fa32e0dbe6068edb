import { z } from 'zod';
import { timings } from '../commands/timings.ts';

const id = z
  .string()
  .min(1)
  .max(200)
  .regex(/^[\w.:@-]+$/, 'may only contain letters, digits and . : @ _ -');
const namespace = z
  .string()
  .regex(/^\/[\w-]*$/, 'must start with / and contain only letters, digits, _ and -')
  .max(100);

export const RateLimit = z.object({
  limit: z.number().int().positive().max(1_000_000),
  windowMs: z.number().int().positive().max(3_600_000),
});
export type RateLimit = z.infer<typeof RateLimit>;

/** Longest actor (an admin JWT's `sub`) a command may carry; the edge refuses longer ones at auth. */
export const ACTOR_MAX_LENGTH = 200;

// Strict: a typo in an admin command (`{"resaon": …}` on disconnect-all) is refused, never run as-is.
export const Command = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('disconnect-socket'), socketId: id }),
  z.strictObject({ type: z.literal('disconnect-user'), userId: id }),
  z.strictObject({
    type: z.literal('broadcast'),
    namespace,
    room: z.string().min(1).max(200).optional(),
    event: z
      .string()
      .min(1)
      .max(100)
      .regex(/^[\w:.-]+$/, 'may only contain letters, digits and : . _ -'),
    data: z.unknown().optional(),
  }),
  z.strictObject({
    type: z.literal('maintenance'),
    enabled: z.boolean(),
    message: z.string().max(500).optional(),
  }),
  z.strictObject({
    type: z.literal('rate-limit'),
    perSocket: RateLimit.nullable(),
    perUser: RateLimit.nullable(),
  }),
  z.strictObject({ type: z.literal('disconnect-all'), reason: z.string().max(200).optional() }),
]);
export type Command = z.infer<typeof Command>;
export type CommandType = Command['type'];

/** Longest a command stays valid: the edge's longest ack wait (COMMAND_TIMEOUT_MS). */
export const COMMAND_MAX_LIFETIME_MS = timings.commandTimeout.maxMs;

/**
 * What travels on the command channel. `target` is a node id, or `*` for every node. Times are
 * the edge's clock in ms; a node runs a command only between `issuedAt` and `expiresAt` (the
 * edge's ack deadline), give or take its clock-skew allowance.
 */
export const CommandEnvelope = z
  .object({
    id: z.string().min(1).max(100),
    cluster: z.string(),
    target: z.string(),
    actor: z.string().min(1).max(ACTOR_MAX_LENGTH),
    issuedAt: z.number().int(),
    expiresAt: z.number().int(),
    command: Command,
    /** HMAC-SHA256 of the canonical envelope, base64url; set when the edge has COMMAND_SIGNING_KEY. */
    sig: z.string().max(100).optional(),
  })
  .refine((e) => e.expiresAt > e.issuedAt && e.expiresAt - e.issuedAt <= COMMAND_MAX_LIFETIME_MS, {
    path: ['expiresAt'],
    error: `must be after issuedAt, by at most ${COMMAND_MAX_LIFETIME_MS} ms`,
  });
export type CommandEnvelope = z.infer<typeof CommandEnvelope>;

export const CommandAck = z.object({
  commandId: z.string(),
  nodeId: z.string(),
  ok: z.boolean(),
  /** Sockets the command touched on this node (disconnected, or reached by a broadcast). */
  affected: z.number().int().nonnegative(),
  error: z.string().optional(),
  at: z.number().int(),
});
export type CommandAck = z.infer<typeof CommandAck>;

/** The edge's honest answer: who was asked, who answered, who did not. */
export const CommandResult = z.object({
  commandId: z.string(),
  command: Command,
  targeted: z.array(z.string()),
  acked: z.array(z.string()),
  missing: z.array(z.string()),
  affected: z.number().int().nonnegative(),
  acks: z.array(CommandAck),
  complete: z.boolean(),
  durationMs: z.number().nonnegative(),
});
export type CommandResult = z.infer<typeof CommandResult>;

export const AuditEntry = z.object({
  id: z.string(),
  at: z.number().int(),
  actor: z.string(),
  command: Command,
  target: z.string(),
  result: z.object({
    targeted: z.number().int(),
    acked: z.number().int(),
    missing: z.array(z.string()),
    affected: z.number().int(),
    complete: z.boolean(),
  }),
});
export type AuditEntry = z.infer<typeof AuditEntry>;
