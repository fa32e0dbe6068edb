import { io, type Socket } from 'socket.io-client';
import { serve } from '../lib/rpc.ts';
import { Samples, summarize } from '../lib/stats.ts';
import { ConnectRequest, type Mark, StartRequest } from './load-protocol.ts';

/**
 * A load generator of real socket.io-client sockets (WebSocket transport, one connection each),
 * in its own process so the server under test gets its own core.
 */

const sockets: Socket[] = [];
const latencies = new Samples();
let events = 0;
let deliveries = 0;
let running = false;
let inFlight = 0;
let drained: (() => void) | null = null;

function connectOne(url: string, auth: Record<string, string>): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = io(url, { transports: ['websocket'], forceNew: true, reconnection: false, auth });
    socket.once('connect', () => {
      socket.off('connect_error');
      resolve(socket);
    });
    socket.once('connect_error', (error) => {
      socket.close();
      reject(error);
    });
    socket.on('said', () => {
      deliveries++;
    });
  });
}

async function connect(raw: unknown) {
  const request = ConnectRequest.parse(raw);
  const started = performance.now();
  const ids: { id: string; userId: string }[] = [];
  let next = 0;
  let failed = 0;
  let firstError: string | null = null;
  const worker = async () => {
    while (next < request.count) {
      const i = request.offset + next++;
      const userId = `${request.userPrefix}${request.users ? i % request.users : i}`;
      const auth: Record<string, string> = { userId };
      if (request.rooms > 0) auth.room = `room:${i % request.rooms}`;
      try {
        const socket = await connectOne(request.url, auth);
        sockets.push(socket);
        ids.push({ id: socket.id ?? '', userId });
      } catch (error) {
        failed++;
        firstError ??= error instanceof Error ? error.message : String(error);
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(request.concurrency, request.count) }, worker));
  return { connected: ids.length, failed, firstError, ms: performance.now() - started, ids };
}

function start(raw: unknown): void {
  const request = StartRequest.parse(raw);
  const payload = 'x'.repeat(request.payloadBytes);
  const event = request.workload === 'echo' ? 'echo' : 'say';
  const senders = sockets.slice(0, request.senders ?? sockets.length).filter((s) => s.connected);
  running = true;
  // One event in flight per sender: the next leaves as soon as the previous one's ack is back.
  const loop = (socket: Socket) => {
    const sent = performance.now();
    inFlight++;
    socket.emit(event, payload, () => {
      inFlight--;
      latencies.push(performance.now() - sent);
      events++;
      if (running && socket.connected) loop(socket);
      else if (inFlight === 0) drained?.();
    });
  };
  for (const socket of senders) loop(socket);
}

function mark(): Mark {
  const result = { atMs: performance.now(), events, deliveries, latency: summarize(latencies.take()) };
  events = 0;
  deliveries = 0;
  return result;
}

async function stop(): Promise<number> {
  running = false;
  if (inFlight > 0) {
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, 5000);
      drained = () => {
        clearTimeout(timer);
        resolve();
      };
    });
    drained = null;
  }
  mark();
  return inFlight;
}

async function close(): Promise<number> {
  const count = sockets.length;
  for (const socket of sockets.splice(0)) socket.close();
  return count;
}

serve(
  {
    connect,
    start: (raw) => start(raw),
    mark,
    stop,
    close,
    count: () => sockets.filter((s) => s.connected).length,
  },
  {
    pid: process.pid,
  },
);
