import { createServer, type Server as HttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { CommandAuditEntry, CommandResult, SocketDetail, TelltaleStore } from '@telltale/shared';
import { createMemoryStore } from '@telltale/shared/store/memory';
import { type Instrumentation, instrument, silentLogger } from '@telltale/socket-node';
import { Server } from 'socket.io';
import { type Socket as ClientSocket, io as connect } from 'socket.io-client';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { admin, type Edge, json, makeEdge } from '../harness.ts';

/**
 * Socket detail and the socket / user actions end to end: the edge app over a memory store, and
 * real Socket.IO servers instrumented with `instrument()` on that store, with real clients.
 */

interface Node {
  id: string;
  url: string;
  io: Server;
  http: HttpServer;
  telltale: Instrumentation;
}

let store: TelltaleStore;
let edge: Edge;
let nodes: Node[] = [];
let clients: ClientSocket[] = [];

async function startNode(id: string, options: { trustedProxies?: string[] } = {}): Promise<Node> {
  const http = createServer();
  const io = new Server(http);
  const telltale = instrument(io, {
    store,
    cluster: 'default',
    nodeId: id,
    flushIntervalMs: 60_000,
    log: silentLogger,
    identify: (socket) => ({ userId: socket.handshake.auth.user, role: 'client' }),
    inspect: { data: ['plan', 'seats'], auth: ['user', 'device'] },
    ...options,
  });
  io.of('/portal').on('connection', (socket) => {
    socket.data.plan = 'gold';
    socket.data.seats = 3;
    socket.data.secretThing = 'never shown';
    socket.on('hello', (_payload, ack?: () => void) => ack?.());
    void socket.join('thread:t1');
  });
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  await telltale.start();
  const node = { id, url: `http://127.0.0.1:${(http.address() as AddressInfo).port}`, io, http, telltale };
  nodes.push(node);
  return node;
}

async function client(
  node: Node,
  user: string,
  options: { headers?: Record<string, string>; transports?: string[] } = {},
): Promise<ClientSocket> {
  const socket = connect(`${node.url}/portal`, {
    auth: { user, device: 'phone', token: 'secret-token-value' },
    query: { app: 'web', build: '42' },
    extraHeaders: { 'user-agent': 'telltale-test/1.0', origin: 'https://app.example', ...options.headers },
    transports: options.transports ?? ['websocket'],
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

/** The sockets hash is how the edge finds a socket's owner: flush so it knows the new ones. */
const flushAll = () => Promise.all(nodes.map((n) => n.telltale.flushNow()));

const request = (method: string, path: string, body?: unknown) =>
  edge.app.request(path, {
    method,
    headers: { ...admin, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });

const detailOf = async (socketId: string) => {
  const res = await request('GET', `/admin/sockets/${socketId}`);
  expect(res.status).toBe(200);
  return (await res.json()) as { nodeId: string; complete: boolean; socket: SocketDetail };
};

const next = (socket: ClientSocket, event: string) =>
  new Promise<unknown[]>((resolve) => socket.once(event, (...args: unknown[]) => resolve(args)));

beforeEach(() => {
  store = createMemoryStore();
  edge = makeEdge({ store, env: { COMMAND_TIMEOUT_MS: '1000' } });
});

afterEach(async () => {
  for (const socket of clients) socket.close();
  clients = [];
  for (const node of nodes) {
    await node.telltale.stop({ deregister: false });
    node.io.close();
  }
  nodes = [];
  await edge.stop();
});

describe('GET /admin/sockets/:id', () => {
  it("asks the owner and answers with the socket's handshake, rooms, counters and allowed keys only", async () => {
    await startNode('node-a');
    const nodeB = await startNode('node-b');
    const socket = await client(nodeB, 'u1');
    await socket.emitWithAck('hello', { text: 'hi' });
    await socket.emitWithAck('hello', { text: 'again' });
    await flushAll();

    const res = await request('GET', `/admin/sockets/${socket.id}`);
    expect(res.status).toBe(200);
    const body = (await res.json()) as { nodeId: string; complete: boolean; socket: SocketDetail };
    expect(body.nodeId).toBe('node-b');
    expect(body.complete).toBe(true);
    const detail = body.socket;
    expect(detail).toMatchObject({
      id: socket.id,
      nodeId: 'node-b',
      namespace: '/portal',
      userId: 'u1',
      role: 'client',
      transport: 'websocket',
      remoteAddress: '127.0.0.1',
      peerAddress: '127.0.0.1',
      userAgent: 'telltale-test/1.0',
      origin: 'https://app.example',
      rooms: ['thread:t1'],
      roomCount: 1,
      data: { plan: 'gold', seats: 3 },
      auth: { user: 'u1', device: 'phone' },
    });
    expect(detail.queryKeys).toEqual(expect.arrayContaining(['app', 'build']));
    expect(detail.events.inByType).toEqual({ hello: 2 });
    expect(detail.events.in).toBe(2);
    expect(detail.bytes.in).toBeGreaterThan(0);
    expect(detail.lastEventAt).toBeGreaterThan(0);
    // No value of the handshake query, no token, no key the app did not allow.
    expect(JSON.stringify(body)).not.toContain('secret-token-value');
    expect(JSON.stringify(body)).not.toContain('never shown');
    expect(JSON.stringify(body)).not.toContain('"42"');
  });

  it('records the upgrade from polling to websocket', async () => {
    const node = await startNode('node-a');
    const socket = await client(node, 'u1', { transports: ['polling', 'websocket'] });
    await new Promise<void>((resolve) => {
      if (socket.io.engine.transport.name === 'websocket') resolve();
      else socket.io.engine.once('upgrade', () => resolve());
    });
    await socket.emitWithAck('hello', {});
    await flushAll();
    const { socket: detail } = await detailOf(socket.id as string);
    expect(detail.transport).toBe('websocket');
    expect(detail.transports.map((t) => t.name)).toEqual(['polling', 'websocket']);
  });

  it('reads X-Forwarded-For only when the peer is a trusted proxy', async () => {
    const trusting = await startNode('node-a', { trustedProxies: ['127.0.0.1'] });
    const other = await startNode('node-b');
    const headers = { 'x-forwarded-for': '198.51.100.1, 203.0.113.7' };
    const proxied = await client(trusting, 'u1', { headers });
    const spoofed = await client(other, 'u2', { headers });
    await flushAll();
    expect((await detailOf(proxied.id as string)).socket).toMatchObject({
      remoteAddress: '203.0.113.7',
      peerAddress: '127.0.0.1',
    });
    expect((await detailOf(spoofed.id as string)).socket.remoteAddress).toBe('127.0.0.1');
  });

  it('is a 404 for a socket no node holds, 207 naming the owner when it does not answer', async () => {
    const node = await startNode('node-a');
    const socket = await client(node, 'u1');
    await flushAll();
    const unknown = await request('GET', '/admin/sockets/nope');
    expect(unknown.status).toBe(404);
    expect((await json(unknown)).detail).toContain("socket 'nope'");

    // Still in the store, no longer listening for commands: the owner cannot answer.
    await node.telltale.stop({ deregister: false });
    const res = await request('GET', `/admin/sockets/${socket.id}`);
    expect(res.status).toBe(207);
    expect(await res.json()).toMatchObject({
      nodeId: 'node-a',
      complete: false,
      missing: ['node-a'],
      socket: null,
    });
    nodes = nodes.filter((n) => n !== node);
    node.io.close();
  });

  it('is not written to the audit trail (it is a read)', async () => {
    const node = await startNode('node-a');
    const socket = await client(node, 'u1');
    await flushAll();
    await detailOf(socket.id as string);
    await request('POST', `/admin/sockets/${socket.id}/join`, { room: 'sentinel:1' });
    await expect
      .poll(
        async () =>
          ((await (await request('GET', '/admin/commands')).json()) as { items: CommandAuditEntry[] }).items,
      )
      .toHaveLength(1);
    const { items } = (await (await request('GET', '/admin/commands')).json()) as {
      items: CommandAuditEntry[];
    };
    expect(items[0]!.command.type).toBe('socket-join');
  });
});

describe('socket and user actions', () => {
  it('joins and leaves a room for one socket: broadcasts to the room reach it, then do not', async () => {
    const node = await startNode('node-a');
    const socket = await client(node, 'u1');
    await flushAll();

    const joined = await request('POST', `/admin/sockets/${socket.id}/join`, { room: 'vip:1' });
    expect(joined.status).toBe(200);
    expect((await joined.json()) as CommandResult).toMatchObject({ targeted: ['node-a'], affected: 1 });
    const received = next(socket, 'notice');
    await request('POST', '/admin/broadcast', {
      namespace: '/portal',
      room: 'vip:1',
      event: 'notice',
      data: 1,
    });
    expect(await received).toEqual([1]);

    const left = await request('POST', `/admin/sockets/${socket.id}/leave`, { room: 'vip:1' });
    expect(left.status).toBe(200);
    expect((await detailOf(socket.id as string)).socket.rooms).toEqual(['thread:t1']);
  });

  it('joins and leaves a room for every socket of a user, on every node', async () => {
    const [nodeA, nodeB] = [await startNode('node-a'), await startNode('node-b')];
    const onA = await client(nodeA, 'u7');
    const onB = await client(nodeB, 'u7');
    const bystander = await client(nodeB, 'u8');
    await flushAll();

    const res = await request('POST', '/admin/users/u7/join', { room: 'support:9' });
    expect(res.status).toBe(200);
    expect((await res.json()) as CommandResult).toMatchObject({
      targeted: ['node-a', 'node-b'],
      affected: 2,
    });
    expect((await detailOf(onA.id as string)).socket.rooms).toContain('support:9');
    expect((await detailOf(onB.id as string)).socket.rooms).toContain('support:9');
    expect((await detailOf(bystander.id as string)).socket.rooms).not.toContain('support:9');

    expect((await request('POST', '/admin/users/u7/leave', { room: 'support:9' })).status).toBe(200);
    expect((await detailOf(onB.id as string)).socket.rooms).not.toContain('support:9');
    expect((await request('POST', '/admin/users/nobody/join', { room: 'support:9' })).status).toBe(404);
  });

  it('emits an event to one socket only, with its data', async () => {
    const node = await startNode('node-a');
    const target = await client(node, 'u1');
    const other = await client(node, 'u2');
    await flushAll();
    let otherGot = 0;
    other.on('admin:note', () => otherGot++);

    const received = next(target, 'admin:note');
    const res = await request('POST', `/admin/sockets/${target.id}/emit`, {
      event: 'admin:note',
      data: { text: 'hello' },
    });
    expect(res.status).toBe(200);
    expect(await received).toEqual([{ text: 'hello' }]);
    // A sentinel broadcast to both arrives after the emit would have: the other socket got none.
    const sentinel = next(other, 'sentinel');
    await request('POST', '/admin/broadcast', { namespace: '/portal', event: 'sentinel' });
    await sentinel;
    expect(otherGot).toBe(0);
    expect((await detailOf(target.id as string)).socket.events.outByType).toMatchObject({ 'admin:note': 1 });
  });

  it('refuses reserved event names, oversized data, control characters and socket-id rooms', async () => {
    const node = await startNode('node-a');
    const socket = await client(node, 'u1');
    const other = await client(node, 'u2');
    await flushAll();
    const reserved = await request('POST', `/admin/sockets/${socket.id}/emit`, { event: 'disconnect' });
    expect(reserved.status).toBe(400);
    expect((await json(reserved)).detail).toContain('reserved by Socket.IO');

    const big = await request('POST', `/admin/sockets/${socket.id}/emit`, {
      event: 'x',
      data: 'a'.repeat(17_000),
    });
    expect(big.status).toBe(400);
    expect((await json(big)).detail).toContain('at most 16384 bytes');

    const control = await request('POST', `/admin/sockets/${socket.id}/join`, { room: 'a\u0007b' });
    expect(control.status).toBe(400);
    expect(
      (await request('POST', `/admin/sockets/${socket.id}/join`, { room: 'r'.repeat(201) })).status,
    ).toBe(400);

    const stolen = await request('POST', `/admin/sockets/${socket.id}/join`, { room: other.id });
    expect(stolen.status).toBe(207);
    expect(((await stolen.json()) as CommandResult).acks[0]!.error).toContain("a socket's own room");
    expect((await detailOf(socket.id as string)).socket.rooms).toEqual(['thread:t1']);
  });
});
