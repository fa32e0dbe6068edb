import { createServer, type Server as HttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { TelltaleStore } from '@telltale/shared';
import { createIoredisStore } from '@telltale/shared/store/ioredis';
import type { TapEntry, TapEvent } from '@telltale/shared/tap';
import { type Instrumentation, instrument, silentLogger } from '@telltale/socket-node';
import { Server } from 'socket.io';
import { type Socket as ClientSocket, io as connect } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RedisProcess, startRedis } from '../../../test/support/redis.ts';
import { type SseEvent, SseParser } from '../../src/dashboard/client/sse-parser.ts';
import { type RunningEdge, startEdgeServer } from '../../src/node/server.ts';
import { admin, edgeConfig, quietLogger } from '../harness.ts';

/**
 * The live event inspector end to end: a real Redis, the Node edge over ioredis, two Socket.IO
 * nodes instrumented with `instrument()` (each with its own ioredis store), real clients, and the
 * tap read back over HTTP as Server-Sent Events.
 */

interface Node {
  id: string;
  url: string;
  io: Server;
  http: HttpServer;
  telltale: Instrumentation;
  store: TelltaleStore;
}

let redis: RedisProcess;
let edgeStore: TelltaleStore;
let edge: RunningEdge;
const nodes: Node[] = [];
const clients: ClientSocket[] = [];

async function startNode(id: string): Promise<Node> {
  const http = createServer();
  const io = new Server(http);
  const store = createIoredisStore(redis.url);
  const telltale = instrument(io, {
    store,
    cluster: 'default',
    nodeId: id,
    flushIntervalMs: 500,
    log: silentLogger,
    identify: (socket) => ({ userId: socket.handshake.auth.user, role: 'client' }),
    tap: { payloads: true },
  });
  io.of('/portal').on('connection', (socket) => {
    socket.on('chat:send', (message: unknown) => socket.emit('chat:echo', message));
    socket.on('typing', () => {});
  });
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  await telltale.start();
  const node = {
    id,
    url: `http://127.0.0.1:${(http.address() as AddressInfo).port}`,
    io,
    http,
    telltale,
    store,
  };
  nodes.push(node);
  return node;
}

async function client(node: Node, user: string): Promise<ClientSocket> {
  const socket = connect(`${node.url}/portal`, {
    auth: { user },
    transports: ['websocket'],
    reconnection: false,
    forceNew: true,
  });
  clients.push(socket);
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', () => resolve());
    socket.once('connect_error', reject);
  });
  return socket;
}

const VIEWER_TOKEN = 'test-viewer-token-0123456789';
const viewer = { authorization: `Bearer ${VIEWER_TOKEN}` };

const post = (path: string, body?: unknown) =>
  fetch(`${edge.url}${path}`, {
    method: 'POST',
    headers: { ...admin, 'content-type': 'application/json' },
    body: body === undefined ? null : JSON.stringify(body),
  });

/** Reads a tap's SSE stream until `done` says so (or the stream ends), with every frame seen. */
async function readStream(
  tapId: string,
  done: (frames: SseEvent[]) => boolean,
  headers: Record<string, string> = {},
): Promise<SseEvent[]> {
  const abort = new AbortController();
  const response = await fetch(`${edge.url}/admin/taps/${tapId}/events`, {
    headers: { ...admin, accept: 'text/event-stream', ...headers },
    signal: abort.signal,
  });
  expect(response.status).toBe(200);
  expect(response.headers.get('content-type')).toMatch(/^text\/event-stream/);
  const parser = new SseParser();
  const frames: SseEvent[] = [];
  const reader = response.body!.pipeThrough(new TextDecoderStream()).getReader();
  try {
    while (!done(frames)) {
      const { value, done: ended } = await reader.read();
      if (ended) break;
      for (const frame of parser.push(value)) frames.push(frame);
    }
  } finally {
    abort.abort();
  }
  return frames;
}

const entriesOf = (frames: { event: string; data: string }[]) =>
  frames.filter((f) => f.event === 'tap').map((f) => JSON.parse(f.data) as TapEntry);
const eventsOf = (frames: { event: string; data: string }[]) =>
  entriesOf(frames).filter((e): e is TapEvent => e.kind === 'event');

beforeAll(async () => {
  redis = await startRedis();
  edgeStore = createIoredisStore(redis.url);
  edge = await startEdgeServer({
    config: edgeConfig({ PORT: '0', FLUSH_INTERVAL_MS: '500', COMMAND_TIMEOUT_MS: '1000', VIEWER_TOKEN }),
    store: edgeStore,
    logger: quietLogger,
  });
  await startNode('node-a');
  await startNode('node-b');
  // Both nodes flushed: commands reach them as live nodes.
  await Promise.all(nodes.map((n) => n.telltale.flushNow()));
});

afterAll(async () => {
  for (const socket of clients) socket.close();
  for (const node of nodes) {
    await node.telltale.stop();
    node.io.close();
    await node.store.close();
  }
  await edge?.close();
  await edgeStore?.close();
  await redis?.stop();
});

describe('taps over the edge', () => {
  it('start on every live node, stream what matches from each, and stop at their duration', async () => {
    const alice = await client(nodes[0]!, 'alice');
    const bob = await client(nodes[1]!, 'bob');
    const started = await post('/admin/taps', {
      filter: { namespace: '/portal', event: 'chat:*' },
      durationMs: 2500,
      payloads: true,
    });
    expect(started.status).toBe(201);
    const { tap, result } = (await started.json()) as {
      tap: { id: string; state: string; endsAt: number; startedAt: number; actor: string };
      result: { targeted: string[]; acked: string[]; command: { type: string } };
    };
    expect(tap).toMatchObject({ state: 'active', actor: 'admin-token' });
    expect(tap.endsAt - tap.startedAt).toBe(2500);
    expect(result).toMatchObject({ targeted: ['node-a', 'node-b'], acked: ['node-a', 'node-b'] });
    expect(result.command.type).toBe('tap-start');

    alice.emit('typing');
    alice.emit('chat:send', { text: 'from a', token: 'never shown' });
    bob.emit('chat:send', { text: 'from b' });
    const frames = await readStream(tap.id, (seen) => seen.some((f) => f.event === 'end'));
    const caught = eventsOf(frames).map((e) => `${e.node} ${e.direction} ${e.event} ${e.userId}`);
    expect(caught.sort()).toEqual([
      'node-a in chat:send alice',
      'node-a out chat:echo alice',
      'node-b in chat:send bob',
      'node-b out chat:echo bob',
    ]);
    expect(eventsOf(frames).find((e) => e.userId === 'alice' && e.direction === 'in')?.payload).toBe(
      '[{"text":"from a","token":"[redacted]"}]',
    );
    const notices = entriesOf(frames).filter((e) => e.kind !== 'event');
    expect(
      notices.map((n) => `${n.node} ${n.kind}${n.kind === 'ended' ? ` ${n.reason}` : ''}`).sort(),
    ).toEqual(['node-a ended duration', 'node-a started', 'node-b ended duration', 'node-b started']);
    // Every frame carries its entry id, so a client resumes after the last one it saw.
    const ids = frames.filter((f) => f.event === 'tap').map((f) => f.id);
    expect(ids.every((id) => /^\d+-\d+$/.test(id ?? ''))).toBe(true);
    const resumed = await readStream(tap.id, (seen) => seen.some((f) => f.event === 'end'), {
      'last-event-id': ids[ids.length - 2] ?? '',
    });
    expect(entriesOf(resumed)).toEqual(entriesOf(frames).slice(-1));

    // A viewer reads the same events without their payloads, and may not start a tap.
    const asViewer = await readStream(tap.id, (seen) => seen.some((f) => f.event === 'end'), viewer);
    expect(eventsOf(asViewer).map((e) => e.event)).toEqual(eventsOf(frames).map((e) => e.event));
    expect(eventsOf(asViewer).filter((e) => e.payload !== undefined)).toEqual([]);
    const refused = await fetch(`${edge.url}/admin/taps`, {
      method: 'POST',
      headers: { ...viewer, 'content-type': 'application/json' },
      body: '{}',
    });
    expect(refused.status).toBe(403);

    const list = (await (await fetch(`${edge.url}/admin/taps`, { headers: admin })).json()) as {
      items: { id: string; state: string }[];
    };
    expect(list.items.find((t) => t.id === tap.id)?.state).toBe('ended');
  });

  it('stop early when an admin stops them, on every node', async () => {
    const carol = await client(nodes[0]!, 'carol');
    const started = await post('/admin/taps', { filter: { userId: 'carol' }, durationMs: 600_000 });
    const { tap } = (await started.json()) as { tap: { id: string } };
    carol.emit('chat:send', 'before the stop');
    const before = await readStream(tap.id, (seen) => eventsOf(seen).length >= 2);
    expect(eventsOf(before).map((e) => e.event)).toEqual(['chat:send', 'chat:echo']);
    expect(eventsOf(before)[0]?.payload).toBeUndefined();

    const stopped = await post(`/admin/taps/${tap.id}/stop`);
    expect(stopped.status).toBe(200);
    const body = (await stopped.json()) as {
      tap: { state: string };
      result: { acked: string[]; command: { type: string } };
    };
    expect(body.tap.state).toBe('ended');
    expect(body.result).toMatchObject({ acked: ['node-a', 'node-b'], command: { type: 'tap-stop' } });
    carol.emit('chat:send', 'after the stop');
    await new Promise((resolve) => carol.once('chat:echo', resolve));
    const frames = await readStream(tap.id, (seen) => seen.some((f) => f.event === 'end'));
    expect(eventsOf(frames).map((e) => e.payload ?? e.event)).toEqual(['chat:send', 'chat:echo']);
    expect(
      entriesOf(frames)
        .filter((e) => e.kind === 'ended')
        .map((e) => e.kind === 'ended' && e.reason),
    ).toEqual(['stopped', 'stopped']);
  });

  it('refuse what they cannot run, with problems that say why', async () => {
    const tooLong = await post('/admin/taps', { durationMs: 600_001 });
    expect(tooLong.status).toBe(400);
    expect(((await tooLong.json()) as { detail: string }).detail).toMatch(/durationMs/);
    const badPattern = await post('/admin/taps', { filter: { event: 'chat:(.*)' } });
    expect(badPattern.status).toBe(400);
    const tooFast = await post('/admin/taps', { maxEventsPerSecond: 5000 });
    expect(tooFast.status).toBe(400);
    const unknownField = await post('/admin/taps', { filter: { nsp: '/portal' } });
    expect(unknownField.status).toBe(400);
    expect((await post('/admin/taps/no-such-tap/stop')).status).toBe(404);
    const unknownStream = await fetch(`${edge.url}/admin/taps/no-such-tap/events`, { headers: admin });
    expect(unknownStream.status).toBe(404);
    expect((await fetch(`${edge.url}/admin/taps`)).status).toBe(401);

    const running: string[] = [];
    for (let i = 0; i < 5; i++) {
      const answer = await post('/admin/taps', { durationMs: 60_000 });
      expect(answer.status).toBe(201);
      running.push(((await answer.json()) as { tap: { id: string } }).tap.id);
    }
    const sixth = await post('/admin/taps', { durationMs: 60_000 });
    expect(sixth.status).toBe(409);
    expect(((await sixth.json()) as { detail: string }).detail).toMatch(/5 taps run already/);
    for (const id of running) expect((await post(`/admin/taps/${id}/stop`)).status).toBe(200);
  });
});
