import { createServer, type Server as HttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { clusterKeys, type FlushInput, NodeSnapshot, type TelltaleStore } from '@telltale/shared';
import { createMemoryStore, type MemoryStore } from '@telltale/shared/store/memory';
import { recordedAcks } from '@telltale/shared/testing';
import { Server } from 'socket.io';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { closeAll, eventually, next, open, refusal, sleep } from '../../test/support/clients.ts';
import { instrument } from './index.ts';
import type { Instrumentation } from './instrumentation.ts';
import { silentLogger } from './log.ts';

const CLUSTER = 'test';
const NODE = 'node-1';

interface Harness {
  io: Server;
  http: HttpServer;
  url: string;
  store: MemoryStore;
  instrumentation: Instrumentation;
  flushes: FlushInput[];
  calls: string[];
}

/** Records every store call and every flush, so tests see exactly what reached the store. */
function recording(store: MemoryStore, flushes: FlushInput[], calls: string[]): TelltaleStore {
  return {
    ...store,
    forCluster: (cluster) =>
      new Proxy(store.forCluster(cluster), {
        get(target, property, receiver) {
          const value: unknown = Reflect.get(target, property, receiver);
          if (typeof value !== 'function') return value;
          return (...args: unknown[]) => {
            calls.push(String(property));
            if (property === 'flush') flushes.push(args[0] as FlushInput);
            return (value as (...a: unknown[]) => unknown).apply(target, args);
          };
        },
      }),
  };
}

/** A plain Socket.IO app, as a user of the library would have it: the library knows nothing about it. */
async function plainServer(options: { eventTypeCap?: number; store?: TelltaleStore } = {}): Promise<Harness> {
  const http = createServer();
  const io = new Server(http);
  const store = createMemoryStore();
  const flushes: FlushInput[] = [];
  const calls: string[] = [];
  const instrumentation = instrument(io, {
    store: options.store ?? recording(store, flushes, calls),
    cluster: CLUSTER,
    nodeId: NODE,
    flushIntervalMs: 60_000,
    eventTypeCap: options.eventTypeCap ?? 50,
    log: silentLogger,
  });
  for (const name of ['/chat', '/ops']) {
    const nsp = io.of(name);
    nsp.use((socket, next) => {
      const user: unknown = socket.handshake.auth.user;
      if (typeof user === 'string') socket.data.userId = user;
      next();
    });
    nsp.on('connection', (socket) => {
      void socket.join('user:x');
      socket.on('join', (room: string, ack?: (ok: boolean) => void) => {
        void socket.join(room);
        ack?.(true);
      });
      socket.on('slow', async (ack: (ok: boolean) => void) => {
        await sleep(40);
        ack(true);
      });
      socket.on('boom', () => {
        throw new Error('handler bug');
      });
      socket.on('echo', (text: string) => socket.emit('echoed', text));
      socket.on('shout', (text: string) => nsp.emit('shouted', text));
    });
  }
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  await instrumentation.start();
  return {
    io,
    http,
    url: `http://127.0.0.1:${(http.address() as AddressInfo).port}`,
    store,
    instrumentation,
    flushes,
    calls,
  };
}

let harness: Harness;

afterEach(async () => {
  closeAll();
  await harness.instrumentation.stop();
  await new Promise<void>((resolve) => harness.io.close(() => resolve()));
});

describe('instrument(io) on a plain Socket.IO server', () => {
  beforeEach(async () => {
    harness = await plainServer();
  });

  it('counts connections by namespace and transport, following upgrades, and flushes them', async () => {
    const { url, instrumentation, store } = harness;
    await open(`${url}/chat`, { transports: ['websocket'], auth: { user: 'u1' } });
    await open(`${url}/chat`, { transports: ['websocket'], auth: { user: 'u2' } });
    // Starts on polling and upgrades; the server must follow the upgrade.
    const upgrading = await open(`${url}/ops`, { auth: { user: 'u1' } });
    await open(`${url}/ops`, { transports: ['polling'], auth: { user: 'u3' } });
    await eventually(() => upgrading.io.engine.transport.name === 'websocket', 3000, 'upgrade');

    await eventually(
      () => instrumentation.snapshot().gauges.byTransport.websocket === 3,
      3000,
      'upgrade seen',
    );
    const snapshot = instrumentation.snapshot();
    expect(snapshot.gauges.connections).toBe(4);
    expect(snapshot.gauges.byNamespace).toMatchObject({ '/chat': 2, '/ops': 2 });
    expect(snapshot.gauges.byTransport).toEqual({ websocket: 3, polling: 1 });
    expect(snapshot.counters.connects).toBe(4);

    expect(await instrumentation.flushNow()).toBe(true);
    const [record] = await store.forCluster(CLUSTER).readNodes();
    const flushed = NodeSnapshot.parse(JSON.parse(record?.raw ?? 'null'));
    expect(flushed.gauges.connections).toBe(4);
    const page = await store.forCluster(CLUSTER).listSockets({ limit: 10 });
    expect(page.items.map((s) => [s.namespace, s.userId, s.transport]).sort()).toEqual([
      ['/chat', 'u1', 'websocket'],
      ['/chat', 'u2', 'websocket'],
      ['/ops', 'u1', 'websocket'],
      ['/ops', 'u3', 'polling'],
    ]);
    expect(page.items.every((s) => s.roomNames.includes('user:x') && s.nodeId === NODE)).toBe(true);
  });

  it('counts events in and out by type, broadcasts once per recipient', async () => {
    const { url, instrumentation } = harness;
    const a = await open(`${url}/chat`, { transports: ['websocket'] });
    await open(`${url}/chat`, { transports: ['websocket'] });
    a.emit('echo', 'hi');
    await next(a, 'echoed');
    a.emit('shout', 'hey');
    await next(a, 'shouted');
    await eventually(() => instrumentation.snapshot().counters.eventsOut === 3, 2000, 'broadcast counted');
    const { counters } = instrumentation.snapshot();
    expect(counters.eventsIn).toBe(2);
    // Every type the server has a handler for is known, at 0 until its first event.
    expect(counters.eventsInByType).toEqual({ join: 0, slow: 0, boom: 0, echo: 1, shout: 1 });
    expect(counters.eventsOutByType).toEqual({ echoed: 1, shouted: 2 });
  });

  it('times handlers, including async ones until they settle, and counts a throwing one as an error', async () => {
    const { url, instrumentation } = harness;
    const a = await open(`${url}/chat`, { transports: ['websocket'] });
    for (let i = 0; i < 3; i++) await a.emitWithAck('slow');
    a.emit('boom');
    await eventually(() => instrumentation.snapshot().counters.errors === 1, 2000, 'error counted');
    const { latency } = instrumentation.snapshot();
    expect(latency.window.n).toBe(4);
    expect(latency.window.max).toBeGreaterThanOrEqual(39);
    expect(a.connected).toBe(true);
  });

  it('caps event-type labels, counting the overflow as other', async () => {
    closeAll();
    await harness.instrumentation.stop();
    await new Promise<void>((resolve) => harness.io.close(() => resolve()));
    harness = await plainServer({ eventTypeCap: 3 });
    const a = await open(`${harness.url}/chat`, { transports: ['websocket'] });
    for (let i = 0; i < 10; i++) a.emit(`invented-${i}`);
    await eventually(
      () => harness.instrumentation.snapshot().counters.eventsIn === 10,
      2000,
      'events counted',
    );
    // The server's own handlers claim the labels first; what clients invent past the cap is `other`.
    expect(harness.instrumentation.snapshot().counters.eventsInByType).toEqual({
      join: 0,
      slow: 0,
      boom: 0,
      other: 10,
    });
  });

  it('knows a type from its handler before any event of it, so its series start at 0', async () => {
    const { url, instrumentation } = harness;
    expect(instrumentation.snapshot().counters.eventsInByType).toEqual({});
    await open(`${url}/chat`, { transports: ['websocket'] });
    expect(instrumentation.snapshot().counters.eventsInByType).toEqual({
      join: 0,
      slow: 0,
      boom: 0,
      echo: 0,
      shout: 0,
    });
  });

  it('reports rooms by prefix with sizes, leaving out socket-id rooms', async () => {
    const { url, instrumentation } = harness;
    const a = await open(`${url}/chat`, { transports: ['websocket'] });
    const b = await open(`${url}/ops`, { transports: ['websocket'] });
    await a.emitWithAck('join', 'thread:1');
    await b.emitWithAck('join', 'thread:1');
    await a.emitWithAck('join', 'thread:2');
    await a.emitWithAck('join', 'thread:1');
    const { rooms } = instrumentation.snapshot();
    // A room is its namespace and its name: thread:1 in /chat and in /ops are two rooms.
    expect(rooms).toEqual({
      total: 5,
      members: 5,
      byPrefix: { user: 2, thread: 3 },
      top: [
        ['/chat', 'thread:1', 1],
        ['/chat', 'thread:2', 1],
        ['/chat', 'user:x', 1],
        ['/ops', 'thread:1', 1],
        ['/ops', 'user:x', 1],
      ],
    });
  });

  it('counts disconnects with their reasons and writes socket changes as deltas', async () => {
    const { url, instrumentation, flushes } = harness;
    const a = await open(`${url}/chat`, { transports: ['websocket'] });
    const b = await open(`${url}/chat`, { transports: ['websocket'] });
    await instrumentation.flushNow();
    const first = flushes.at(-1);
    expect(first?.sockets.upsert).toHaveLength(2);

    const leaving = b.id;
    b.close();
    await eventually(() => instrumentation.snapshot().counters.disconnects === 1, 2000, 'disconnect seen');
    expect(instrumentation.snapshot().counters.disconnectReasons).toEqual({
      'client namespace disconnect': 1,
    });
    await instrumentation.flushNow();
    const second = flushes.at(-1);
    expect(second?.replaceSockets).toBe(false);
    expect(second?.sockets.upsert).toEqual([]);
    expect(second?.sockets.remove).toEqual([leaving]);

    a.emit('echo', 'x');
    await next(a, 'echoed');
    await instrumentation.flushNow();
    const third = flushes.at(-1);
    expect(third?.sockets.upsert.map((s) => s.id)).toEqual([a.id]);
    expect(third?.sockets.upsert[0]?.lastEventAt).toBeGreaterThan(0);
  });

  it('makes no store call per event, and one per flush, with TTL 3 × interval on the hashes', async () => {
    const { url, instrumentation, store, flushes, calls } = harness;
    const a = await open(`${url}/chat`, { transports: ['websocket'] });
    calls.length = 0;
    for (let i = 0; i < 50; i++) a.emit('echo', `m${i}`);
    await a.emitWithAck('join', 'thread:1');
    expect(calls).toEqual([]);
    await instrumentation.flushNow();
    expect(calls).toEqual(['flush']);
    expect(flushes.at(-1)?.ttlMs).toBe(3 * 60_000);
    const keys = clusterKeys(CLUSTER);
    expect(store.pttl(keys.node(NODE))).toBeGreaterThan(170_000);
    expect(store.pttl(keys.nodeSockets(NODE))).toBeGreaterThan(170_000);
  });
});

describe('commands', () => {
  beforeEach(async () => {
    harness = await plainServer();
  });

  const envelope = (id: string, command: unknown, target = '*', issuedAt = Date.now()) =>
    JSON.stringify({
      id,
      cluster: CLUSTER,
      target,
      actor: 'test',
      issuedAt,
      expiresAt: issuedAt + 2000,
      command,
    });

  it('disconnects a socket it owns and acks 1; acks 0 for one it does not own', async () => {
    const { url, instrumentation, store } = harness;
    const a = await open(`${url}/chat`, { transports: ['websocket'] });
    const gone = next<string>(a, 'disconnect');
    await instrumentation.receiveCommand(envelope('c1', { type: 'disconnect-socket', socketId: a.id }));
    expect(await gone).toBe('io server disconnect');
    await instrumentation.receiveCommand(envelope('c2', { type: 'disconnect-socket', socketId: 'nobody' }));
    await eventually(
      async () => (await recordedAcks(store.forCluster(CLUSTER), 'c2')).length === 1,
      2000,
      'ack',
    );
    expect(await recordedAcks(store.forCluster(CLUSTER), 'c1')).toMatchObject([
      { nodeId: NODE, ok: true, affected: 1 },
    ]);
    expect(await recordedAcks(store.forCluster(CLUSTER), 'c2')).toMatchObject([{ ok: true, affected: 0 }]);
  });

  it('disconnects every socket of a user, arriving over the store command channel', async () => {
    const { url, instrumentation, store } = harness;
    await open(`${url}/chat`, { transports: ['websocket'], auth: { user: 'u1' } });
    await open(`${url}/ops`, { transports: ['websocket'], auth: { user: 'u1' } });
    const other = await open(`${url}/chat`, { transports: ['websocket'], auth: { user: 'u2' } });
    await store
      .forCluster(CLUSTER)
      .publishCommand(JSON.parse(envelope('c3', { type: 'disconnect-user', userId: 'u1' })), {
        to: 'node',
        nodeId: NODE,
      });
    await eventually(
      async () => (await recordedAcks(store.forCluster(CLUSTER), 'c3')).length === 1,
      2000,
      'ack',
    );
    expect(await recordedAcks(store.forCluster(CLUSTER), 'c3')).toMatchObject([{ ok: true, affected: 2 }]);
    await eventually(() => instrumentation.snapshot().gauges.connections === 1, 2000, 'disconnected');
    expect(other.connected).toBe(true);
  });

  it('broadcasts to a room locally and reports how many sockets it reached', async () => {
    const { url, instrumentation, store } = harness;
    const a = await open(`${url}/chat`, { transports: ['websocket'] });
    const b = await open(`${url}/chat`, { transports: ['websocket'] });
    await a.emitWithAck('join', 'thread:9');
    const received = next(a, 'notice');
    let leaked = false;
    b.on('notice', () => {
      leaked = true;
    });
    await instrumentation.receiveCommand(
      envelope('c4', {
        type: 'broadcast',
        namespace: '/chat',
        room: 'thread:9',
        event: 'notice',
        data: { n: 1 },
      }),
    );
    expect(await received).toEqual({ n: 1 });
    await instrumentation.receiveCommand(
      envelope('c5', { type: 'broadcast', namespace: '/nope', event: 'x' }),
    );
    await eventually(
      async () => (await recordedAcks(store.forCluster(CLUSTER), 'c5')).length === 1,
      2000,
      'ack',
    );
    expect(await recordedAcks(store.forCluster(CLUSTER), 'c4')).toMatchObject([{ ok: true, affected: 1 }]);
    expect(await recordedAcks(store.forCluster(CLUSTER), 'c5')).toMatchObject([{ ok: false, affected: 0 }]);
    expect(leaked).toBe(false);
  });

  it('maintenance refuses new connections with a clear message, keeps existing ones, and clears', async () => {
    const { url, instrumentation } = harness;
    const a = await open(`${url}/chat`, { transports: ['websocket'] });
    await instrumentation.receiveCommand(
      envelope('c6', { type: 'maintenance', enabled: true, message: 'upgrading Redis' }),
    );
    expect(instrumentation.readiness()).toEqual({
      ready: false,
      mode: 'maintenance',
      reason: 'maintenance mode: upgrading Redis',
    });
    expect(await refusal(`${url}/chat`, { transports: ['websocket'] })).toBe(
      'server is in maintenance mode: upgrading Redis',
    );
    expect(a.connected).toBe(true);
    await instrumentation.receiveCommand(envelope('c7', { type: 'maintenance', enabled: false }));
    expect(instrumentation.readiness().ready).toBe(true);
    await open(`${url}/chat`, { transports: ['websocket'] });
  });

  it('enforces per-socket and per-user rate limits with an error ack, and counts them', async () => {
    const { url, instrumentation } = harness;
    await instrumentation.receiveCommand(
      envelope('c8', { type: 'rate-limit', perSocket: { limit: 3, windowMs: 60_000 }, perUser: null }),
    );
    const a = await open(`${url}/chat`, { transports: ['websocket'], auth: { user: 'u1' } });
    const acks: unknown[] = [];
    for (let i = 0; i < 5; i++) acks.push(await a.emitWithAck('join', `thread:${i}`));
    expect(acks.slice(0, 3)).toEqual([true, true, true]);
    expect(acks[3]).toEqual({
      ok: false,
      error: 'rate limited: more than 3 events per 60000 ms on this socket',
    });
    expect(instrumentation.snapshot().counters.rateLimited).toBe(2);
    expect(instrumentation.snapshot().rateLimits.perSocket).toEqual({ limit: 3, windowMs: 60_000 });

    await instrumentation.receiveCommand(
      envelope('c9', { type: 'rate-limit', perSocket: null, perUser: { limit: 2, windowMs: 60_000 } }),
    );
    const b = await open(`${url}/ops`, { transports: ['websocket'], auth: { user: 'u1' } });
    expect(await a.emitWithAck('join', 'x')).toBe(true);
    expect(await b.emitWithAck('join', 'y')).toBe(true);
    expect(await b.emitWithAck('join', 'z')).toMatchObject({
      ok: false,
      error: expect.stringContaining('user'),
    });
  });

  it('disconnect-all drops every local socket; malformed, unknown and misaddressed commands are counted, not run', async () => {
    const { url, instrumentation, store } = harness;
    await open(`${url}/chat`, { transports: ['websocket'] });
    await open(`${url}/ops`, { transports: ['websocket'] });
    await instrumentation.receiveCommand('{not json');
    await instrumentation.receiveCommand(envelope('c10', { type: 'format-disk' }));
    // Only this node's commands travel on its channel: one for another node was put there by hand.
    await instrumentation.receiveCommand(envelope('c11', { type: 'disconnect-all' }, 'another-node'));
    expect(instrumentation.snapshot().counters.commandsRejected).toBe(3);
    expect(instrumentation.snapshot().gauges.connections).toBe(2);
    await instrumentation.receiveCommand(
      envelope('c12', { type: 'disconnect-all', reason: 'incident' }, NODE),
    );
    await instrumentation.receiveCommand(
      envelope('c12', { type: 'disconnect-all', reason: 'incident' }, NODE),
    );
    await eventually(() => instrumentation.snapshot().gauges.connections === 0, 2000, 'all gone');
    await eventually(
      async () => (await recordedAcks(store.forCluster(CLUSTER), 'c12')).length === 1,
      2000,
      'ack',
    );
    expect(await recordedAcks(store.forCluster(CLUSTER), 'c12')).toMatchObject([{ ok: true, affected: 2 }]);
    expect(instrumentation.snapshot().counters.commandsExecuted).toBe(1);
  });

  it('refuses a command past its deadline: not run, counted, answered with the reason', async () => {
    const { url, instrumentation, store } = harness;
    const a = await open(`${url}/chat`, { transports: ['websocket'] });
    await instrumentation.receiveCommand(
      envelope('stale', { type: 'disconnect-all' }, '*', Date.UTC(2020, 0, 1)),
    );
    expect(await recordedAcks(store.forCluster(CLUSTER), 'stale')).toMatchObject([
      { ok: false, affected: 0, error: expect.stringMatching(/^refused: expired \d+ ms ago/) },
    ]);
    expect(instrumentation.snapshot().counters).toMatchObject({ commandsRejected: 1, commandsExecuted: 0 });
    await instrumentation.receiveCommand(
      envelope('fresh', { type: 'disconnect-socket', socketId: 'nobody' }),
    );
    expect(await recordedAcks(store.forCluster(CLUSTER), 'fresh')).toMatchObject([{ ok: true, affected: 0 }]);
    expect(a.connected).toBe(true);
  });
});

describe('when the store fails', () => {
  it('marks the store down, stays up, and rebuilds the sockets hash once a flush works again', async () => {
    const memory = createMemoryStore();
    let broken = false;
    const flushes: FlushInput[] = [];
    const flaky: TelltaleStore = {
      ...memory,
      forCluster: (cluster) => ({
        ...memory.forCluster(cluster),
        flush: async (input) => {
          flushes.push(input);
          if (broken) throw new Error('connection refused');
          return memory.forCluster(cluster).flush(input);
        },
      }),
    };
    harness = await plainServer({ store: flaky });
    const a = await open(`${harness.url}/chat`, { transports: ['websocket'] });
    expect(await harness.instrumentation.flushNow()).toBe(true);
    broken = true;
    expect(await harness.instrumentation.flushNow()).toBe(false);
    expect(harness.instrumentation.readiness()).toMatchObject({
      ready: false,
      reason: expect.stringContaining('store'),
    });
    expect(a.connected).toBe(true);
    broken = false;
    expect(await harness.instrumentation.flushNow()).toBe(true);
    const recovered = flushes.at(-1);
    expect(recovered?.replaceSockets).toBe(true);
    expect(recovered?.sockets.upsert.map((s) => s.id)).toEqual([a.id]);
    expect(recovered?.snapshot.infra.redis.connected).toBe(false);
    expect(harness.instrumentation.readiness().ready).toBe(true);
  });
});

describe('when the node hashes may have expired', () => {
  beforeEach(async () => {
    harness = await plainServer();
  });

  it('rewrites the sockets hash whole when a flush comes more than two intervals after the last one', async () => {
    const { url, instrumentation, flushes } = harness;
    const a = await open(`${url}/chat`, { transports: ['websocket'] });
    await instrumentation.flushNow();
    expect(await instrumentation.flushNow()).toBe(true);
    expect(flushes.at(-1)?.replaceSockets).toBe(false);

    // A stall (SIGSTOP, a suspended host) moves the clock 2.5 intervals past the last write.
    vi.useFakeTimers({ toFake: ['Date'] });
    try {
      vi.setSystemTime(Date.now() + 150_000);
      const before = flushes.length;
      expect(await instrumentation.flushNow()).toBe(true);
      expect(flushes.slice(before).map((f) => f.replaceSockets)).toEqual([true]);
      expect(flushes.at(-1)?.sockets.upsert.map((s) => s.id)).toEqual([a.id]);
    } finally {
      vi.useRealTimers();
    }
  });

  it('rewrites the sockets hash at once when the store reports the hashes gone', async () => {
    const { url, instrumentation, flushes, store } = harness;
    const a = await open(`${url}/chat`, { transports: ['websocket'] });
    const b = await open(`${url}/ops`, { transports: ['websocket'] });
    await instrumentation.flushNow();
    // Redis lost the node's keys (a restart the connection did not notice, FLUSHALL, eviction).
    await store.forCluster(CLUSTER).deregister(NODE);
    const before = flushes.length;
    expect(await instrumentation.flushNow()).toBe(true);
    expect(flushes.slice(before).map((f) => f.replaceSockets)).toEqual([false, true]);
    const listed = await store.forCluster(CLUSTER).listSockets({ limit: 10 });
    expect(listed.items.map((s) => s.id).sort()).toEqual([a.id, b.id].sort());
  });
});
