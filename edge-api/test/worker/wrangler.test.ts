import { spawnSync } from 'node:child_process';
import type { Socket } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { freePort } from '../../../test/support/redis.ts';
import { liveProtocols } from '../../src/live/ws-protocol.ts';
import { makeEdge } from '../harness.ts';
import { ClusterUnderWrangler, INTERVAL_MS as TICK_MS } from './cluster-under-wrangler.ts';
import { startWranglerDev, type WranglerDev } from './wrangler-dev.ts';

/**
 * The Worker in real workerd (`wrangler dev --local`) against the Upstash-REST server in front of
 * a real Redis, with one real socket node flushing into the same Redis.
 */
const CLUSTER = 'wrangler-e2e';
const NODE_ID = 'node-w1';

let cluster: ClusterUnderWrangler;
let alice: Socket;

async function eventually<T>(
  what: string,
  read: () => Promise<T>,
  ok: (value: T) => boolean,
  timeoutMs = 15_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: T | undefined;
  while (Date.now() < deadline) {
    last = await read();
    if (ok(last)) return last;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(
    `${what} not reached within ${timeoutMs} ms; last value: ${JSON.stringify(last)?.slice(0, 500)}`,
  );
}

const admin = () => ({ authorization: `Bearer ${cluster.adminToken}` });
const getJson = async (path: string, headers: Record<string, string> = {}) => {
  const res = await fetch(`${cluster.url}${path}`, { headers });
  return {
    status: res.status,
    type: res.headers.get('content-type'),
    body: (await res.json()) as Record<string, unknown>,
  };
};
/** Undefined while the Worker has no view to serve. */
const metricsTotal = () =>
  cluster.metrics().then(
    (view) => view.connections.total,
    () => undefined,
  );

describe('the Worker under wrangler dev', { timeout: 60_000 }, () => {
  beforeAll(async () => {
    cluster = await ClusterUnderWrangler.start(CLUSTER);
    const node = await cluster.startSocketNode(NODE_ID);
    alice = await cluster.connectClient(node, 'alice');
    await cluster.connectClient(node, 'bob');
    await cluster.startWorker();
  }, 90_000);

  afterAll(async () => {
    await cluster?.stop();
  }, 30_000);

  it('answers /health as health+json with the socket node passing', async () => {
    const health = await eventually(
      'cluster health pass',
      () => getJson('/health'),
      (h) => h.body.status === 'pass',
    );
    expect(health.status).toBe(200);
    expect(health.type).toContain('application/health+json');
  });

  it('serves the same /openapi.json as the Node edge, and the /docs page', async () => {
    const worker = await getJson('/openapi.json');
    expect(worker.status).toBe(200);
    const node = makeEdge();
    const local = (await (await node.app.request('/openapi.json')).json()) as Record<string, unknown>;
    await node.stop();
    expect(Object.keys(worker.body.paths as object)).toEqual(Object.keys(local.paths as object));
    expect(worker.body.components).toEqual(local.components);
    const docs = await fetch(`${cluster.url}/docs`);
    expect(docs.status).toBe(200);
    expect(docs.headers.get('content-security-policy')).toMatch(/^default-src 'none'; style-src 'sha256-/);
    expect(await docs.text()).toContain('/admin/broadcast');
  });

  it('counts exactly the clients connected, and serves Prometheus text promtool accepts', async () => {
    expect(await eventually('connections.total = 2', metricsTotal, (n) => n === 2)).toBe(2);

    const res = await fetch(`${cluster.url}/metrics?format=prometheus`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('text/plain; version=0.0.4');
    const text = await res.text();
    const promtool = spawnSync('promtool', ['check', 'metrics'], {
      input: text,
      encoding: 'utf8',
      timeout: 10_000,
    });
    expect(promtool.status, `${promtool.stdout}${promtool.stderr}`).toBe(0);
    const byNamespace = [...text.matchAll(/^telltale_connections\{[^}]*\} (\d+)$/gm)].map((m) =>
      Number(m[1]),
    );
    expect(byNamespace.reduce((sum, n) => sum + n, 0)).toBe(2);
  });

  it("pages the cluster-wide rooms and a room's members from Upstash", async () => {
    type RoomsPage = { items: { namespace: string; name: string; size: number }[]; total: number };
    const rooms = await eventually(
      'user rooms of alice and bob',
      async () => (await getJson('/admin/rooms?prefix=user:', admin())).body as RoomsPage,
      (page) => page.total === 2,
    );
    expect(rooms.items.map((r) => [r.name, r.size])).toEqual([
      ['user:alice', 1],
      ['user:bob', 1],
    ]);
    const namespace = encodeURIComponent(rooms.items[0]!.namespace);
    const members = await getJson(`/admin/rooms/members?namespace=${namespace}&room=user:alice`, admin());
    expect(members.status).toBe(200);
    expect((members.body.items as { userId: string }[]).map((m) => m.userId)).toEqual(['alice']);
  });

  it('starts a tap on the node over the command path and streams its events from Upstash as SSE', async () => {
    const res = await fetch(`${cluster.url}/admin/taps`, {
      method: 'POST',
      headers: { ...admin(), 'content-type': 'application/json' },
      body: JSON.stringify({ filter: { userId: 'alice', event: 'heartbeat' }, durationMs: 3000 }),
    });
    const started = (await res.json()) as { tap: { id: string }; result: { acked: string[] } };
    expect(res.status, JSON.stringify(started)).toBe(201);
    expect(started.result.acked).toEqual([NODE_ID]);
    alice.emit('heartbeat');
    const stream = await fetch(`${cluster.url}/admin/taps/${started.tap.id}/events`, { headers: admin() });
    expect(stream.status).toBe(200);
    // The tap ends by itself after 3 s; the Worker then ends the stream with `event: end`.
    const body = await stream.text();
    const entries = [...body.matchAll(/^event: tap\ndata: (.*)$/gm)].map((m) => JSON.parse(m[1] ?? '{}'));
    expect(
      entries.filter((e) => e.kind === 'event').map((e) => `${e.node} ${e.direction} ${e.event} ${e.userId}`),
    ).toEqual([`${NODE_ID} in heartbeat alice`]);
    expect(entries.at(-1)).toMatchObject({ kind: 'ended', reason: 'duration', node: NODE_ID });
    expect(body).toMatch(/event: end\n/);
  });

  it("answers a socket's detail from its node, and makes it join a room, over Upstash acks", async () => {
    const socketId = alice.id;
    if (!socketId) throw new Error('alice is not connected');
    const joined = await fetch(`${cluster.url}/admin/sockets/${socketId}/join`, {
      method: 'POST',
      headers: { ...admin(), 'content-type': 'application/json' },
      body: JSON.stringify({ room: 'desk:worker' }),
    });
    expect(joined.status).toBe(200);
    const detail = await getJson(`/admin/sockets/${socketId}`, admin());
    expect(detail.status).toBe(200);
    expect(detail.body).toMatchObject({
      nodeId: NODE_ID,
      complete: true,
      socket: { id: socketId, namespace: '/portal', userId: 'alice', transport: 'websocket' },
    });
    expect((detail.body.socket as { rooms: string[] }).rooms).toContain('desk:worker');
    expect((await getJson('/admin/sockets/no-such-socket', admin())).status).toBe(404);
  });

  it('routes an admin disconnect to the owning node, which acks and drops the client', async () => {
    const socketId = alice.id;
    if (!socketId) throw new Error('alice is not connected');
    const disconnected = new Promise<string>((done) => alice.once('disconnect', (reason) => done(reason)));

    const res = await fetch(`${cluster.url}/admin/disconnect/${socketId}`, {
      method: 'POST',
      headers: admin(),
    });
    const result = (await res.json()) as {
      commandId?: string;
      acked?: string[];
      missing?: string[];
      affected?: number;
    };
    expect(res.status, JSON.stringify(result)).toBe(200);
    expect(result.acked).toEqual([NODE_ID]);
    expect(result.missing).toEqual([]);
    expect(result.affected).toBe(1);
    expect(
      await Promise.race([disconnected, new Promise((r) => setTimeout(() => r('still connected'), 5000))]),
    ).toBe('io server disconnect');
    expect(await eventually('connections.total = 1', metricsTotal, (n) => n === 1)).toBe(1);
    // The audit entry is written after the answer, through waitUntil: it must still land.
    const audit = await eventually(
      'the disconnect in the audit trail',
      () => getJson('/admin/commands?limit=5', admin()),
      (a) => (a.body.items as { id: string }[]).some((entry) => entry.id === result.commandId),
    );
    expect((audit.body.items as { id: string; target: string }[])[0]).toMatchObject({
      id: result.commandId,
      target: NODE_ID,
    });
  });

  it('keeps history in the Durable Object across alarm ticks', async () => {
    const points = async () => {
      const { status, body } = await getJson('/metrics/history?minutes=5&resolution=tick', admin());
      expect(status).toBe(200);
      return (body.points as { at: number }[]).length;
    };
    const before = await points();
    expect(before).toBeGreaterThan(0);
    // Three more ticks, with no request in between that could tick on its own.
    await new Promise((r) => setTimeout(r, TICK_MS * 3 + 200));
    const after = await points();
    expect(after).toBeGreaterThanOrEqual(before + 2);
  });

  it('pushes the live feed from the object over a hibernatable WebSocket, with pause and force-update', async () => {
    const ws = new WebSocket(
      `${cluster.url.replace('http', 'ws')}/admin/ws`,
      liveProtocols(cluster.adminToken),
    );
    const frames: { type: string; forced?: boolean; paused?: boolean }[] = [];
    ws.on('message', (data) => frames.push(JSON.parse(String(data))));
    await new Promise<void>((done, fail) => {
      ws.once('open', () => done());
      ws.once('error', fail);
    });
    try {
      const types = () => frames.map((f) => f.type);
      await eventually(
        'hello and two ticks',
        async () => types(),
        (t) => t[0] === 'hello' && t.filter((x) => x === 'update').length >= 2,
      );

      ws.send(JSON.stringify({ type: 'pause' }));
      await eventually(
        'paused status',
        async () => frames.at(-1),
        (f) => f?.type === 'status' && f.paused === true,
      );
      frames.length = 0;
      await new Promise((r) => setTimeout(r, TICK_MS * 3));
      expect(types()).toEqual([]);

      ws.send(JSON.stringify({ type: 'force-update' }));
      const forced = await eventually(
        'forced update',
        async () => frames.at(-1),
        (f) => f?.type === 'update',
      );
      expect(forced?.forced).toBe(true);
    } finally {
      ws.close();
    }
  });
});

describe('a Worker deployed without its Upstash secrets', { timeout: 60_000 }, () => {
  let bare: WranglerDev | null = null;

  beforeAll(async () => {
    bare = await startWranglerDev({
      port: await freePort(),
      readyTimeoutMs: 30_000,
      vars: { CLUSTER_ID: CLUSTER },
    });
  }, 60_000);

  afterAll(async () => {
    await bare?.stop();
  });

  it('answers every route with a 503 problem naming the missing secret', async () => {
    const res = await fetch(`${bare?.url}/health`);
    expect(res.status).toBe(503);
    expect(res.headers.get('content-type')).toBe('application/problem+json');
    const body = (await res.json()) as { title: string; detail: string };
    expect(body.title).toBe('Worker misconfigured');
    expect(body.detail).toContain('UPSTASH_REDIS_REST_URL');
    expect(body.detail).toContain('wrangler secret put');
  });
});
