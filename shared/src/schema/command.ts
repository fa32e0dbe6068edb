import { z } from 'zod';
import { timings } from '../commands/timings.ts';
import { TapSpec } from '../tap/schema.ts';

/** A socket or user id as commands carry it. */
export const CommandId = z
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

/** Socket.IO's own event names: an admin emit under one of them would fake a lifecycle event. */
export const RESERVED_EVENT_NAMES: readonly string[] = [
  'connect',
  'connect_error',
  'disconnect',
  'disconnecting',
  'newListener',
  'removeListener',
];

/** Largest `data` an emit to one socket may carry, as JSON. */
export const EMIT_DATA_MAX_BYTES = 16 * 1024;

const eventName = z
  .string()
  .min(1)
  .max(100)
  .regex(/^[\w:.-]+$/, 'may only contain letters, digits and : . _ -');

export const RoomName = z
  .string()
  .min(1)
  .max(200)
  // biome-ignore lint/suspicious/noControlCharactersInRegex: refusing control characters is the point
  .regex(/^[^\u0000-\u001f\u007f]+$/, 'may not contain control characters');

export const EmitData = z.unknown().refine((data) => jsonBytes(data) <= EMIT_DATA_MAX_BYTES, {
  error: `must be at most ${EMIT_DATA_MAX_BYTES} bytes as JSON`,
});

/** An event an admin may emit to one socket: not one of Socket.IO's own. */
export const EmitEvent = eventName.refine((event) => !RESERVED_EVENT_NAMES.includes(event), {
  error: `is reserved by Socket.IO (${RESERVED_EVENT_NAMES.join(', ')})`,
});

function jsonBytes(value: unknown): number {
  try {
    return new TextEncoder().encode(JSON.stringify(value) ?? '').length;
  } catch {
    return Number.POSITIVE_INFINITY;
  }
}

/** Longest actor (an admin JWT's `sub`) a command may carry; the edge refuses longer ones at auth. */
export const ACTOR_MAX_LENGTH = 200;

// Strict: a typo in an admin command (`{"resaon": …}` on disconnect-all) is refused, never run as-is.
export const Command = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('disconnect-socket'), socketId: CommandId }),
  z.strictObject({ type: z.literal('disconnect-user'), userId: CommandId }),
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
  /** Start the live event inspector on every node (see shared/src/tap). */
  z.strictObject({ type: z.literal('tap-start'), tap: TapSpec }),
  z.strictObject({ type: z.literal('tap-stop'), tapId: TapSpec.shape.id }),
  /** A read: the owner answers with the socket's detail in its ack. Not audited. */
  z.strictObject({ type: z.literal('socket-detail'), socketId: CommandId }),
  z.strictObject({ type: z.literal('socket-join'), socketId: CommandId, room: RoomName }),
  z.strictObject({ type: z.literal('socket-leave'), socketId: CommandId, room: RoomName }),
  z.strictObject({ type: z.literal('user-join'), userId: CommandId, room: RoomName }),
  z.strictObject({ type: z.literal('user-leave'), userId: CommandId, room: RoomName }),
  z.strictObject({
    type: z.literal('socket-emit'),
    socketId: CommandId,
    event: EmitEvent,
    data: EmitData.optional(),
  }),
]);
export type Command = z.infer<typeof Command>;
export type CommandType = Command['type'];
/** The commands for one socket: they go to the node that holds it. */
export type SocketCommand = Extract<Command, { socketId: string }>;
/** The commands for every socket of one user: they go to every live node. */
export type UserCommand = Extract<Command, { userId: string }>;

export const isSocketCommand = (command: Command): command is SocketCommand => 'socketId' in command;
export const isUserCommand = (command: Command): command is UserCommand => 'userId' in command;

/** A scalar from `socket.data` or the handshake's `auth`, as `inspect` allows: objects come as JSON text, cut. */
const InspectedValue = z.union([z.string().max(300), z.number(), z.boolean(), z.null()]);

/** One socket as its node sees it, read on demand (`socket-detail`); nothing of it is stored. */
export const SocketDetail = z.object({
  id: z.string(),
  nodeId: z.string(),
  namespace: z.string(),
  userId: z.string().nullable(),
  role: z.string().nullable(),
  transport: z.string(),
  /** Transports in the order the socket used them, each with when it started (polling, then websocket). */
  transports: z.array(z.object({ name: z.string(), at: z.number().int() })).max(4),
  connectedAt: z.number().int(),
  /** The client: the TCP peer, or the X-Forwarded-For hop before the node's trusted proxies. */
  remoteAddress: z.string().max(100).nullable(),
  /** The TCP peer itself (a proxy, when one is trusted). */
  peerAddress: z.string().max(100).nullable(),
  userAgent: z.string().max(300).nullable(),
  origin: z.string().max(300).nullable(),
  /** Names only: values may be secrets. */
  queryKeys: z.array(z.string().max(64)).max(50),
  /** The `socket.data` keys and handshake `auth` claims the app allow-listed (`inspect`). */
  data: z.record(z.string().max(64), InspectedValue),
  auth: z.record(z.string().max(64), InspectedValue),
  /** Up to 200 room names (the socket's own id room left out); `roomCount` is exact. */
  rooms: z.array(z.string().max(200)).max(200),
  roomCount: z.number().int().nonnegative(),
  events: z.object({
    in: z.number().int().nonnegative(),
    out: z.number().int().nonnegative(),
    /** Per event type, up to 20 types per direction, the rest as `other`. */
    inByType: z.record(z.string(), z.number().int().nonnegative()),
    outByType: z.record(z.string(), z.number().int().nonnegative()),
  }),
  /** Payload bytes of the client's engine.io connection, which its namespaces share. */
  bytes: z.object({ in: z.number().int().nonnegative(), out: z.number().int().nonnegative() }),
  lastEventAt: z.number().int().nullable(),
});
export type SocketDetail = z.infer<typeof SocketDetail>;

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
  /** On a `socket-detail` ack from the socket's owner: what it sees. */
  socket: SocketDetail.optional(),
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
