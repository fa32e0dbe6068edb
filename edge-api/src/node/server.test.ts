import { createMemoryStore } from '@telltale/shared/store/memory';
import { SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import {
  ADMIN_TOKEN,
  edgeConfig,
  flushNode,
  JWT_SECRET,
  quietLogger,
  snapshotOf,
} from '../../test/harness.ts';
import { liveProtocols } from '../live/ws-protocol.ts';
import { type RunningEdge, startEdgeServer } from './server.ts';

const store = createMemoryStore();
let edge: RunningEdge;

beforeAll(async () => {
  await flushNode(store, snapshotOf('node-a'));
  edge = await startEdgeServer({
    config: edgeConfig({ PORT: '0', TICK_INTERVAL_MS: '200' }),
    store,
    logger: quietLogger,
  });
});
afterAll(async () => {
  await edge.close();
  await store.close();
});

type Message = {
  type: string;
  forced?: boolean;
  paused?: boolean;
  view?: { connections: { total: number } };
};

function openFeed(
  token: string,
): Promise<{ ws: WebSocket; messages: Message[]; next: (type: string) => Promise<Message> }> {
  const ws = new WebSocket(`${edge.url.replace('http', 'ws')}/admin/ws`, liveProtocols(token));
  const messages: Message[] = [];
  const waiters: { type: string; resolve: (m: Message) => void }[] = [];
  ws.on('message', (data) => {
    const message = JSON.parse(String(data)) as Message;
    messages.push(message);
    const i = waiters.findIndex((w) => w.type === message.type);
    if (i >= 0) waiters.splice(i, 1)[0]!.resolve(message);
  });
  const next = (type: string) =>
    new Promise<Message>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no '${type}' message within 3 s`)), 3000);
      waiters.push({
        type,
        resolve: (m) => {
          clearTimeout(timer);
          resolve(m);
        },
      });
    });
  return new Promise((resolve, reject) => {
    ws.once('open', () => resolve({ ws, messages, next }));
    ws.once('unexpected-response', (_req, res) => reject(new Error(`HTTP ${res.statusCode}`)));
    ws.once('error', reject);
  });
}

describe('edge on Node', () => {
  it('serves HTTP on a real port', async () => {
    const res = await fetch(`${edge.url}/metrics`);
    expect(res.status).toBe(200);
    expect(((await res.json()) as { connections: { total: number } }).connections.total).toBe(3);
  });

  it('streams /admin/events over real HTTP and forgets the subscriber when the client leaves', async () => {
    const controller = new AbortController();
    const res = await fetch(`${edge.url}/admin/events?access_token=${ADMIN_TOKEN}`, {
      signal: controller.signal,
    });
    expect(res.headers.get('content-type')).toMatch(/^text\/event-stream/);
    const reader = res.body!.pipeThrough(new TextDecoderStream()).getReader();
    let text = '';
    while (!text.includes('"type":"update"')) text += (await reader.read()).value ?? '';
    expect(edge.aggregator.hub.size).toBe(1);
    controller.abort();
    await expect.poll(() => edge.aggregator.hub.size, { timeout: 2000 }).toBe(0);
  });

  it('refuses the WebSocket upgrade without an admin token', async () => {
    await expect(openFeed('wrong-token')).rejects.toThrow('HTTP 401');
  });

  it('pushes an update per tick over /admin/ws, and honours pause, resume and force-update', async () => {
    const feed = await openFeed(ADMIN_TOKEN);
    await feed.next('update');
    const tick = await feed.next('update');
    expect(tick.forced).toBe(false);
    expect(tick.view?.connections.total).toBe(3);

    feed.ws.send(JSON.stringify({ type: 'pause' }));
    await feed.next('status');
    const countAtPause = feed.messages.filter((m) => m.type === 'update').length;
    await new Promise((r) => setTimeout(r, 500));
    expect(feed.messages.filter((m) => m.type === 'update').length).toBe(countAtPause);

    feed.ws.send(JSON.stringify({ type: 'force-update' }));
    expect((await feed.next('update')).forced).toBe(true);

    feed.ws.send(JSON.stringify({ type: 'resume' }));
    await feed.next('status');
    await feed.next('update');
    await feed.next('update');
    expect(edge.aggregator.hub.size).toBe(1);
    feed.ws.close();
    await new Promise((r) => setTimeout(r, 100));
    expect(edge.aggregator.hub.size).toBe(0);
  });
});

describe('admin rate limit on Node', () => {
  it('holds a client that mints a new sub per request, whatever X-Forwarded-For it sends', async () => {
    const limited = await startEdgeServer({
      config: edgeConfig({ PORT: '0' }),
      store,
      logger: quietLogger,
      rateLimits: {
        adminRateLimit: { capacity: 2, refillPerSecond: 0.01 },
        clientRateLimit: { capacity: 5, refillPerSecond: 0.01 },
      },
    });
    const key = new TextEncoder().encode(JWT_SECRET);
    const send = async (n: number) => {
      const token = await new SignJWT({ role: 'admin' })
        .setProtectedHeader({ alg: 'HS256' })
        .setSubject(`minted-${n}`)
        .setExpirationTime('5m')
        .sign(key);
      return fetch(`${limited.url}/admin/maintenance`, {
        method: 'POST',
        headers: {
          authorization: `Bearer ${token}`,
          'content-type': 'application/json',
          'x-forwarded-for': `198.51.100.${n}`,
        },
        body: '{"enabled":false}',
      });
    };
    try {
      const statuses: number[] = [];
      for (let n = 1; n <= 6; n++) statuses.push((await send(n)).status);
      expect(statuses.slice(0, 5).every((status) => status !== 429)).toBe(true);
      expect(statuses[5]).toBe(429);
      const refused = (await (await send(7)).json()) as { detail: string };
      expect(refused.detail).toMatch(
        /^rate limit reached for requests from (::ffff:)?127\.0\.0\.1; retry in \d+ ms$/,
      );
    } finally {
      await limited.close();
    }
  });
});
