import { z } from 'zod';

export const ServerMode = z.enum(['bare', 'telltale', 'admin-ui']);
export type ServerMode = z.infer<typeof ServerMode>;

/** What the driver tells a bench socket server process (argv[2], JSON). */
export const SocketServerConfig = z.object({
  mode: ServerMode,
  port: z.number().int().min(0).default(0),
  cluster: z.string().default('bench'),
  nodeId: z.string().default('bench-node'),
  flushIntervalMs: z.number().int().positive().default(5000),
  /** Telltale's store: Redis when set, else the in-memory store. */
  redisUrl: z.string().optional(),
  /** Horizontal scale through @socket.io/redis-adapter when set. */
  adapterRedisUrl: z.string().optional(),
  /** The adapter's timeout for serverSideEmit acknowledgements. */
  requestsTimeoutMs: z.number().int().positive().default(5000),
  /** telltale only: a tap matching every event runs for the whole life of the server, capped at this rate. */
  tapEventsPerSecond: z.number().int().positive().optional(),
});
export type SocketServerConfig = z.input<typeof SocketServerConfig>;

export const ServerInfo = z.object({ port: z.number().int(), pid: z.number().int() });
export type ServerInfo = z.infer<typeof ServerInfo>;

export const CpuUsage = z.object({ userUs: z.number(), systemUs: z.number(), atMs: z.number() });
export type CpuUsage = z.infer<typeof CpuUsage>;

export const MemoryReport = z.object({
  heapUsed: z.number(),
  heapTotal: z.number(),
  rss: z.number(),
  external: z.number(),
  arrayBuffers: z.number(),
  connections: z.number().int(),
});
export type MemoryReport = z.infer<typeof MemoryReport>;

export const AnchorResult = z.object({
  ms: z.number(),
  responses: z.array(z.number()),
  error: z.string().nullable(),
});
export type AnchorResult = z.infer<typeof AnchorResult>;

/** Server CPU (user + system) between two readings: percent of one core, and µs per unit of work. */
export function cpuBetween(before: CpuUsage, after: CpuUsage): { percent: number; usTotal: number } {
  const usTotal = after.userUs - before.userUs + (after.systemUs - before.systemUs);
  const wallUs = (after.atMs - before.atMs) * 1000;
  return { percent: wallUs > 0 ? (100 * usTotal) / wallUs : Number.NaN, usTotal };
}
