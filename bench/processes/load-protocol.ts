import { z } from 'zod';

/** The load generator's requests and answers, shared by the driver and the child. */

export const ConnectRequest = z.object({
  url: z.string(),
  count: z.number().int().min(1),
  /** Handshakes in flight at once. */
  concurrency: z.number().int().min(1).default(100),
  /** Sockets are spread over this many rooms (`room:<i % rooms>`); 0 joins none. */
  rooms: z.number().int().min(0).default(0),
  /** `userId` of socket i is `<userPrefix><i % users>`. */
  userPrefix: z.string().default('user-'),
  users: z.number().int().min(1).optional(),
  /** Number the sockets from here (several connect calls on one generator). */
  offset: z.number().int().min(0).default(0),
});
export type ConnectRequest = z.input<typeof ConnectRequest>;

export const ConnectResult = z.object({
  connected: z.number().int(),
  failed: z.number().int(),
  firstError: z.string().nullable(),
  ms: z.number(),
  ids: z.array(z.object({ id: z.string(), userId: z.string() })),
});
export type ConnectResult = z.infer<typeof ConnectResult>;

export const Workload = z.enum(['echo', 'broadcast']);
export type Workload = z.infer<typeof Workload>;

export const StartRequest = z.object({
  workload: Workload,
  /** Sockets that emit; the rest only receive. Default: all. */
  senders: z.number().int().min(1).optional(),
  payloadBytes: z.number().int().min(0).default(64),
});
export type StartRequest = z.input<typeof StartRequest>;

export const Mark = z.object({
  atMs: z.number(),
  /** Acked events since the previous mark. */
  events: z.number().int(),
  /** Broadcast messages received since the previous mark. */
  deliveries: z.number().int(),
  latency: z.object({ n: z.number(), p50: z.number(), p99: z.number(), mean: z.number(), max: z.number() }),
});
export type Mark = z.infer<typeof Mark>;
