import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { instrument as adminUi } from '@socket.io/admin-ui';
import { createAdapter } from '@socket.io/redis-adapter';
import type { TelltaleStore } from '@telltale/shared';
import { createIoredisStore } from '@telltale/shared/store/ioredis';
import { createMemoryStore } from '@telltale/shared/store/memory';
import { type Instrumentation, instrument, silentLogger } from '@telltale/socket-node/instrument';
import { Redis } from 'ioredis';
import { Server } from 'socket.io';
import { z } from 'zod';
import { childConfig, serve } from '../lib/rpc.ts';
import { SocketServerConfig } from './socket-server-config.ts';

/**
 * One Socket.IO server for the benchmarks: bare, with Telltale's `instrument(io)`, or with
 * @socket.io/admin-ui in production mode. The workload handlers are the same in every mode.
 */

const config = childConfig(SocketServerConfig);
const http = createServer();
const io = new Server(http, { serveClient: false });

let store: TelltaleStore | null = null;
let instrumentation: Instrumentation | null = null;
if (config.mode === 'telltale') {
  store = config.redisUrl ? createIoredisStore(config.redisUrl) : createMemoryStore();
  instrumentation = instrument(io, {
    store,
    cluster: config.cluster,
    nodeId: config.nodeId,
    flushIntervalMs: config.flushIntervalMs,
    log: silentLogger,
  });
} else if (config.mode === 'admin-ui') {
  adminUi(io, { auth: false, mode: 'production' });
}

const redisClients: Redis[] = [];
if (config.adapterRedisUrl) {
  const pub = new Redis(config.adapterRedisUrl);
  const sub = pub.duplicate();
  redisClients.push(pub, sub);
  io.adapter(createAdapter(pub, sub, { requestsTimeout: config.requestsTimeoutMs }));
}

const Auth = z.object({ userId: z.string().optional(), room: z.string().optional() });

io.use((socket, next) => {
  const auth = Auth.safeParse(socket.handshake.auth);
  socket.data.userId = auth.success ? (auth.data.userId ?? null) : null;
  socket.data.role = 'client';
  socket.data.room = auth.success ? (auth.data.room ?? null) : null;
  next();
});

io.on('connection', (socket) => {
  const room: string | null = socket.data.room;
  if (room) void socket.join(room);
  socket.on('echo', (payload: unknown, ack: unknown) => {
    if (typeof ack === 'function') ack(payload);
  });
  socket.on('say', (payload: unknown, ack: unknown) => {
    if (room) socket.to(room).emit('said', payload);
    if (typeof ack === 'function') ack();
  });
});

/** The anchor's side of a cross-node request: disconnect what this node holds, answer the count. */
io.on('bench:disconnect', (socketId: unknown, reply: unknown) => {
  const socket = typeof socketId === 'string' ? io.of('/').sockets.get(socketId) : undefined;
  socket?.disconnect(true);
  if (typeof reply === 'function') reply(socket ? 1 : 0);
});
io.on('bench:disconnect-user', (userId: unknown, reply: unknown) => {
  let count = 0;
  for (const socket of io.of('/').sockets.values()) {
    if (socket.data.userId === userId) {
      socket.disconnect(true);
      count++;
    }
  }
  if (typeof reply === 'function') reply(count);
});

/** Socket.IO's own cross-node request with acknowledgement, timed from this node. */
function anchorRequest(
  event: string,
  arg: string,
): Promise<{ ms: number; responses: number[]; error: string | null }> {
  const started = performance.now();
  return new Promise((resolve) => {
    io.serverSideEmit(event, arg, (error: Error | null, responses: unknown[]) => {
      resolve({
        ms: performance.now() - started,
        responses: (responses ?? []).map(Number),
        error: error ? error.message : null,
      });
    });
  });
}

const Target = z.object({ id: z.string() });

await new Promise<void>((resolve) => http.listen(config.port, '127.0.0.1', resolve));
await instrumentation?.start();
if (instrumentation && config.tapEventsPerSecond)
  await keepTapping(instrumentation, config.tapEventsPerSecond);

/**
 * An admin's tap on every event, as the edge sends it (the tap-start command), capped at `perSecond`;
 * started again before each one ends (a tap lasts at most 10 min), so it runs for every round.
 */
async function keepTapping(node: Instrumentation, perSecond: number): Promise<void> {
  let tap = 0;
  const start = () => {
    const now = Date.now();
    return node.receiveCommand(
      JSON.stringify({
        id: `bench-tap-${++tap}`,
        cluster: config.cluster,
        target: '*',
        actor: 'bench',
        issuedAt: now,
        expiresAt: now + 2000,
        command: {
          type: 'tap-start',
          tap: {
            id: `bench-${tap}`,
            filter: {},
            sampleRate: 1,
            maxEventsPerSecond: perSecond,
            payloads: false,
            actor: 'bench',
            startedAt: now,
            endsAt: now + 10 * 60_000,
          },
        },
      }),
    );
  };
  await start();
  setInterval(() => void start(), 9 * 60_000).unref();
}

serve(
  {
    usage: () => {
      const cpu = process.cpuUsage();
      return { userUs: cpu.user, systemUs: cpu.system, atMs: performance.now() };
    },
    memory: () => {
      const gc = (globalThis as { gc?: () => void }).gc;
      if (!gc) throw new Error('start the server with --expose-gc to measure memory');
      for (let i = 0; i < 4; i++) gc();
      const m = process.memoryUsage();
      return {
        heapUsed: m.heapUsed,
        heapTotal: m.heapTotal,
        rss: m.rss,
        external: m.external,
        arrayBuffers: m.arrayBuffers,
        connections: io.of('/').sockets.size,
      };
    },
    connections: () => io.of('/').sockets.size,
    flush: async () => (instrumentation ? instrumentation.flushNow() : true),
    anchor: (args) => anchorRequest('bench:disconnect', Target.parse(args).id),
    anchorUser: (args) => anchorRequest('bench:disconnect-user', Target.parse(args).id),
  },
  { port: (http.address() as AddressInfo).port, pid: process.pid },
);
