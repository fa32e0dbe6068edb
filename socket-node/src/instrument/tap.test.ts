import { createServer, type Server as HttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createMemoryStore } from '@telltale/shared/store/memory';
import { type TapEntry, type TapEvent, type TapSpec, tapStoreOf } from '@telltale/shared/tap';
import { Server } from 'socket.io';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { type ClientSocket, closeAll, eventually, next, open } from '../../test/support/clients.ts';

/** Polls `read` until `done` holds for what it returned. */
const until = <T>(read: () => Promise<T>, done: (value: T) => boolean) =>
  eventually(async () => {
    const value = await read();
    return done(value) ? { value } : null;
  });

import { instrument } from './index.ts';
import type { Instrumentation } from './instrumentation.ts';
import { silentLogger } from './log.ts';
import type { TapOptions } from './tap.ts';

const CLUSTER = 'tap-test';

interface Harness {
  io: Server;
  http: HttpServer;
  url: string;
  instrumentation: Instrumentation;
  entries(tapId: string): Promise<TapEntry[]>;
}

let harness: Harness | null = null;

async function tappedServer(tap?: TapOptions): Promise<Harness> {
  const http = createServer();
  const io = new Server(http);
  const store = createMemoryStore();
  const instrumentation = instrument(io, {
    store,
    cluster: CLUSTER,
    nodeId: 'node-1',
    flushIntervalMs: 60_000,
    log: silentLogger,
    ...(tap ? { tap } : {}),
  });
  io.of('/chat').use((socket, next) => {
    const user: unknown = socket.handshake.auth.user;
    if (typeof user === 'string') socket.data.userId = user;
    next();
  });
  io.of('/chat').on('connection', (socket) => {
    socket.on('join', (room: string, ack: () => void) => {
      void socket.join(room);
      ack();
    });
    socket.on('chat:send', (message: unknown) => socket.emit('chat:echo', message));
    socket.on('ping:x', () => socket.emit('pong:x'));
  });
  io.of('/ops').on('connection', (socket) => socket.on('chat:send', () => {}));
  await instrumentation.start();
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(http.address() as AddressInfo).port}`;
  const taps = tapStoreOf(store, CLUSTER);
  return {
    io,
    http,
    url,
    instrumentation,
    entries: async (tapId) => (await taps.readTapEntries(tapId, null, 10_000)).map((r) => r.entry),
  };
}

afterEach(async () => {
  closeAll();
  vi.useRealTimers();
  if (harness) {
    await harness.instrumentation.stop();
    harness.io.close();
  }
  harness = null;
});

const spec = (id: string, overrides: Partial<TapSpec> = {}): TapSpec => ({
  id,
  filter: {},
  sampleRate: 1,
  maxEventsPerSecond: 100,
  payloads: false,
  actor: 'test',
  startedAt: Date.now(),
  endsAt: Date.now() + 60_000,
  ...overrides,
});

let commandSeq = 0;
/** The tap command as the edge sends it, through the node's command path. */
async function command(instrumentation: Instrumentation, body: unknown): Promise<void> {
  const issuedAt = Date.now();
  await instrumentation.receiveCommand(
    JSON.stringify({
      id: `cmd-${++commandSeq}`,
      cluster: CLUSTER,
      target: '*',
      actor: 'test',
      issuedAt,
      expiresAt: issuedAt + 2000,
      command: body,
    }),
  );
}

const events = (entries: TapEntry[]) => entries.filter((e): e is TapEvent => e.kind === 'event');
const describeEvent = (e: TapEvent) => `${e.direction} ${e.namespace} ${e.event} ${e.userId ?? '-'}`;

async function client(url: string, user: string): Promise<ClientSocket> {
  return open(url, { transports: ['websocket'], auth: { user } });
}

describe('a tap on a node', () => {
  it('reports the events that match its filters, in and out, with sockets, users and sizes', async () => {
    harness = await tappedServer();
    const { url, instrumentation } = harness;
    const alice = await client(`${url}/chat`, 'alice');
    const bob = await client(`${url}/chat`, 'bob');
    const ops = await client(`${url}/ops`, 'alice');
    await new Promise<void>((resolve) => alice.emit('join', 'thread:1', resolve));
    await command(instrumentation, {
      type: 'tap-start',
      tap: spec('t1', { filter: { namespace: '/chat', event: 'chat:*', room: 'thread:1' } }),
    });

    const echoed = next(alice, 'chat:echo');
    alice.emit('chat:send', { text: 'hello' });
    await echoed;
    bob.emit('chat:send', { text: 'not in thread:1' });
    ops.emit('chat:send', { text: 'other namespace' });
    alice.emit('ping:x');
    await next(alice, 'pong:x');
    // A sentinel that matches: once it is in, everything sent before it was decided.
    alice.emit('chat:send', 'sentinel');
    await until(
      async () => events(await harness!.entries('t1')).length,
      (n) => n >= 4,
    );
    const caught = events(await harness.entries('t1'));
    expect(caught.map(describeEvent)).toEqual([
      'in /chat chat:send alice',
      'out /chat chat:echo alice',
      'in /chat chat:send alice',
      'out /chat chat:echo alice',
    ]);
    expect(caught[0]).toMatchObject({ socketId: alice.id, node: 'node-1', bytes: 18 });
    expect(caught[0]?.payload).toBeUndefined();
  });

  it('sends payloads only when the tap asks and the app allowed them, redacted and cut', async () => {
    harness = await tappedServer({ payloads: true, payloadBytes: 40 });
    const { url, instrumentation } = harness;
    const alice = await client(`${url}/chat`, 'alice');
    await command(instrumentation, {
      type: 'tap-start',
      tap: spec('with', { payloads: true, filter: { event: 'chat:send' } }),
    });
    await command(instrumentation, {
      type: 'tap-start',
      tap: spec('without', { filter: { event: 'chat:send' } }),
    });
    alice.emit('chat:send', { text: 'hi', password: 'hunter2' });
    alice.emit('chat:send', { text: 'x'.repeat(100) });
    await until(
      async () => events(await harness!.entries('without')).length,
      (n) => n === 2,
    );
    await until(
      async () => events(await harness!.entries('with')).length,
      (n) => n === 2,
    );
    const [first, second] = events(await harness.entries('with'));
    expect(first?.payload).toBe('[{"text":"hi","password":"[redacted]"}]');
    expect(second?.payload).toBe(`[{"text":"${'x'.repeat(30)}…`);
    expect(second?.truncated).toBe(true);
    expect(events(await harness.entries('without')).every((e) => e.payload === undefined)).toBe(true);

    // The same tap on an app that did not allow payloads: none, whatever the tap asked.
    await harness.instrumentation.stop();
    harness.io.close();
    harness = await tappedServer();
    const carol = await client(`${harness.url}/chat`, 'carol');
    await command(harness.instrumentation, { type: 'tap-start', tap: spec('asked', { payloads: true }) });
    carol.emit('chat:send', { text: 'secret plans' });
    await until(
      async () => events(await harness!.entries('asked')).length,
      (n) => n >= 1,
    );
    const [started] = await harness.entries('asked');
    expect(started).toMatchObject({ kind: 'started', payloads: false });
    expect(events(await harness.entries('asked'))[0]?.payload).toBeUndefined();
  });

  it('reports at most its cap per second, and says how many it left out', async () => {
    harness = await tappedServer();
    const { url, instrumentation } = harness;
    const alice = await client(`${url}/chat`, 'alice');
    await command(instrumentation, {
      type: 'tap-start',
      tap: spec('capped', { maxEventsPerSecond: 5, filter: { event: 'ping:x', namespace: '/chat' } }),
    });
    let pongs = 0;
    const allPonged = new Promise<void>((resolve) =>
      alice.on('pong:x', () => {
        if (++pongs === 50) resolve();
      }),
    );
    const started = performance.now();
    for (let i = 0; i < 50; i++) alice.emit('ping:x');
    await allPonged;
    const elapsedMs = performance.now() - started;
    await until(
      async () => (await harness!.entries('capped')).filter((e) => e.kind === 'dropped'),
      (dropped) => dropped.length > 0,
    );
    await command(instrumentation, { type: 'tap-stop', tapId: 'capped' });
    await until(
      async () => (await harness!.entries('capped')).at(-1),
      (last) => last?.kind === 'ended',
    );
    const entries = await harness.entries('capped');
    const reported = events(entries).length;
    const dropped = entries.reduce((sum, d) => sum + (d.kind === 'dropped' ? d.count : 0), 0);
    expect(reported + dropped).toBe(50);
    // One second's worth at once, then 5/s while the 50 arrive.
    expect(reported).toBeGreaterThanOrEqual(5);
    expect(reported).toBeLessThanOrEqual(5 + Math.ceil((elapsedMs * 5) / 1000));
  });

  it('ends by itself at its end time, and when stopped', async () => {
    harness = await tappedServer();
    const { url, instrumentation } = harness;
    const alice = await client(`${url}/chat`, 'alice');
    await command(instrumentation, { type: 'tap-start', tap: spec('short', { endsAt: Date.now() + 300 }) });
    await command(instrumentation, { type: 'tap-start', tap: spec('long') });
    await until(
      async () => (await harness!.entries('short')).at(-1),
      (last) => last?.kind === 'ended',
    );
    expect((await harness.entries('short')).at(-1)).toMatchObject({ kind: 'ended', reason: 'duration' });
    await command(instrumentation, { type: 'tap-stop', tapId: 'long' });
    alice.emit('chat:send', 'after both ended');
    await next(alice, 'chat:echo');
    await until(
      async () => (await harness!.entries('long')).at(-1),
      (last) => last?.kind === 'ended',
    );
    expect((await harness.entries('long')).at(-1)).toMatchObject({ kind: 'ended', reason: 'stopped' });
    expect(events(await harness.entries('short'))).toEqual([]);
    expect(events(await harness.entries('long'))).toEqual([]);
  });
});
