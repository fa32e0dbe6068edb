/**
 * Heap cost of 1,000 connected clients on one Socket.IO server, without and with instrument(io).
 *
 *   node --expose-gc --import tsx socket-node/scripts/heap-per-connection.ts [clients=1000]
 *
 * The server runs in a child process (so the clients' own heap is not counted) on a private
 * redis-server with the ioredis store, as in production. The child forces two full GCs before each
 * reading of `heapUsed`: once before any client connects (after a warm-up client came and went, so
 * lazily loaded code is already in the baseline), once with every client connected, having joined a
 * room and sent an event, and after one flush. Per-connection heap = difference / clients.
 */
import { type ChildProcess, fork } from 'node:child_process';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { createIoredisStore } from '@telltale/shared/store/ioredis';
import { Server } from 'socket.io';
import { type Socket as ClientSocket, io as connect } from 'socket.io-client';
import { startRedis } from '../../test/support/redis.ts';
import { instrument } from '../src/instrument/index.ts';
import { silentLogger } from '../src/instrument/log.ts';

type Mode = 'plain' | 'instrumented';
type Request = { type: 'heap' };
type Reply = { type: 'ready'; port: number } | { type: 'heap'; heapUsed: number; sockets: number };

function heapUsed(): number {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) throw new Error('run with node --expose-gc');
  gc();
  gc();
  return process.memoryUsage().heapUsed;
}

/** The measured server: a small app (a room join and an echo handler), instrumented or not. */
async function serve(mode: Mode, redisUrl: string): Promise<void> {
  const http = createServer();
  const io = new Server(http);
  const store = createIoredisStore(redisUrl);
  const instrumentation =
    mode === 'instrumented'
      ? instrument(io, {
          store,
          cluster: 'heap',
          nodeId: 'heap-node',
          flushIntervalMs: 60_000,
          log: silentLogger,
        })
      : null;
  io.of('/hub').on('connection', (socket) => {
    socket.on('join', (room: string, ack: () => void) => {
      void socket.join(room);
      ack();
    });
    socket.on('echo', (text: string, ack: (text: string) => void) => ack(text));
  });
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  await instrumentation?.start();
  process.on('message', async (message: Request) => {
    if (message.type !== 'heap') return;
    await instrumentation?.flushNow();
    const reply: Reply = { type: 'heap', heapUsed: heapUsed(), sockets: io.of('/hub').sockets.size };
    process.send?.(reply);
  });
  process.send?.({ type: 'ready', port: (http.address() as AddressInfo).port } satisfies Reply);
}

function ask(child: ChildProcess): Promise<Extract<Reply, { type: 'heap' }>> {
  return new Promise((resolve) => {
    child.once('message', (reply: Reply) => {
      if (reply.type === 'heap') resolve(reply);
    });
    child.send({ type: 'heap' } satisfies Request);
  });
}

async function openClients(url: string, count: number): Promise<ClientSocket[]> {
  const clients: ClientSocket[] = [];
  for (let i = 0; i < count; i += 100) {
    const batch = await Promise.all(
      Array.from({ length: Math.min(100, count - i) }, async (_, j) => {
        const socket = connect(`${url}/hub`, {
          transports: ['websocket'],
          reconnection: false,
          forceNew: true,
        });
        await new Promise<void>((resolve, reject) => {
          socket.once('connect', () => resolve());
          socket.once('connect_error', reject);
        });
        await socket.emitWithAck('join', `thread:${(i + j) % 50}`);
        await socket.emitWithAck('echo', 'hello');
        return socket;
      }),
    );
    clients.push(...batch);
  }
  return clients;
}

async function measure(mode: Mode, redisUrl: string, count: number) {
  const child = fork(fileURLToPath(import.meta.url), ['server', mode, redisUrl], {
    execArgv: ['--expose-gc', '--conditions=@telltale/source', '--import', 'tsx'],
  });
  const port = await new Promise<number>((resolve) => {
    child.once('message', (reply: Reply) => {
      if (reply.type === 'ready') resolve(reply.port);
    });
  });
  const url = `http://127.0.0.1:${port}`;
  for (const socket of await openClients(url, 10)) socket.close();
  await new Promise((r) => setTimeout(r, 300));
  const before = await ask(child);
  const clients = await openClients(url, count);
  const after = await ask(child);
  for (const socket of clients) socket.close();
  child.kill();
  return { mode, sockets: after.sockets, before: before.heapUsed, after: after.heapUsed };
}

async function main(): Promise<void> {
  if (process.argv[2] === 'server') {
    await serve(process.argv[3] as Mode, process.argv[4] ?? '');
    return;
  }
  const count = Number(process.argv[2] ?? 1000);
  const redis = await startRedis();
  const results = [];
  for (const mode of ['plain', 'instrumented', 'plain', 'instrumented'] as const) {
    results.push(await measure(mode, redis.url, count));
  }
  await redis.stop();
  const kb = (bytes: number) => (bytes / 1024).toFixed(1);
  console.log(`clients: ${count}`);
  for (const r of results) {
    const perConnection = (r.after - r.before) / r.sockets;
    console.log(
      `${r.mode.padEnd(13)} heap before ${kb(r.before)} KB, with ${r.sockets} clients ${kb(r.after)} KB → ${kb(perConnection)} KB per connection`,
    );
  }
  const avg = (mode: Mode) => {
    const rows = results.filter((r) => r.mode === mode);
    return rows.reduce((sum, r) => sum + (r.after - r.before) / r.sockets, 0) / rows.length;
  };
  console.log(
    `instrumentation adds ${kb(avg('instrumented') - avg('plain'))} KB per connection (mean of runs)`,
  );
}

void main();
