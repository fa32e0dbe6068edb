import { mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { TelltaleStore } from '@telltale/shared';
import { createMemoryStore } from '@telltale/shared/store/memory';
import { DEFAULT_PRESENCE, type SocketNode, silentLogger, startSocketNode } from '@telltale/socket-node';
import type { Browser, Page } from 'playwright-core';
import type { Socket } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../../../test/support/redis.ts';
import { type RunningEdge, startEdgeServer } from '../../src/node/server.ts';
import { connectClient } from '../cluster-clients.ts';
import { ADMIN_TOKEN, edgeConfig, quietLogger } from '../harness.ts';
import { openBrowser } from './browser.ts';

/**
 * The live event inspector and the live feed in headless Chromium: a real Node edge, a real
 * reference socket node, real socket.io clients. The edge is restarted on its port to show the
 * feed stepping down and coming back to WebSocket, with the admin token in no URL.
 */

const INTERVAL_MS = 500;
const NODE_SECRET = 'dashboard-tap-e2e-node-secret-0123456789';
const SCREENSHOT = fileURLToPath(new URL('../../../docs/tap.png', import.meta.url));

let store: TelltaleStore;
let port: number;
let edge: RunningEdge;
let node: SocketNode;
let browser: Browser;
let page: Page;
const clients: Socket[] = [];
/** Every URL the page asked for, WebSockets included. */
const urls: string[] = [];

const startEdge = () =>
  startEdgeServer({
    config: edgeConfig({
      PORT: String(port),
      FLUSH_INTERVAL_MS: String(INTERVAL_MS),
      EXPECTED_NODES: '1',
      COMMAND_TIMEOUT_MS: '1500',
    }),
    store,
    logger: quietLogger,
  });

const text = async (selector: string) => (await page.locator(selector).first().textContent()) ?? '';
const rows = () => page.locator('#tap-events tbody tr');

async function client(
  namespace: '/hub' | '/portal',
  sub: string,
  role: 'client' | 'attendant',
  thread: string,
) {
  const socket = await connectClient(`${node.url}${namespace}`, NODE_SECRET, { sub, role });
  clients.push(socket);
  await new Promise<void>((resolve) => socket.emit('join:thread', { threadId: thread }, () => resolve()));
  return socket;
}

beforeAll(async () => {
  store = createMemoryStore();
  port = await freePort();
  edge = await startEdge();
  node = await startSocketNode(
    {
      port: 0,
      host: '127.0.0.1',
      nodeId: 'node-a',
      cluster: 'default',
      flushIntervalMs: INTERVAL_MS,
      shutdownTimeoutMs: 3000,
      jwt: { kind: 'secret', secret: NODE_SECRET },
      presence: DEFAULT_PRESENCE,
      version: '0.1.0',
    },
    { store, log: silentLogger },
  );
  ({ browser, page } = await openBrowser({ width: 1440, height: 900 }));
  page.on('request', (request) => urls.push(request.url()));
  page.on('websocket', (socket) => urls.push(socket.url()));
  await page.goto(`${edge.url}/system/health/realtime`);
  await page.locator('#token-dialog').waitFor({ state: 'visible' });
  await page.fill('#token-input', ADMIN_TOKEN);
  await page.click('#token-form button[type="submit"]');
  await page.locator('#feed-pill[data-state="live"]').waitFor({ timeout: 10_000 });
});

afterAll(async () => {
  for (const socket of clients) socket.close();
  await browser?.close();
  await node?.close();
  await edge?.close();
  await store?.close();
});

describe('the live event inspector in the dashboard', () => {
  it('shows live events from real clients with its filters, pauses, and ends at its duration', async () => {
    const ana = await client('/portal', 'ana', 'client', 't1');
    const hub = await client('/hub', 'hugo', 'attendant', 't1');
    await page.fill('#tap-namespace', '/portal');
    await page.fill('#tap-event', 'typing:*');
    await page.fill('#tap-duration', '8');
    await page.click('#tap-start');
    await page.locator('#tap-status[data-state="live"]').waitFor({ timeout: 5000 });

    ana.emit('heartbeat');
    hub.emit('typing:start', { threadId: 't1' });
    ana.emit('typing:start', { threadId: 't1' });
    await rows().first().waitFor({ timeout: 5000 });
    ana.emit('typing:stop', { threadId: 't1' });
    await expect.poll(() => rows().count(), { timeout: 5000 }).toBe(2);
    // Newest first; neither the heartbeat nor /hub's typing passed the filters.
    expect(await rows().evaluateAll((trs) => trs.map((tr) => tr.getAttribute('data-event')))).toEqual([
      'typing:stop',
      'typing:start',
    ]);
    expect(await text('#tap-events tbody tr td:nth-child(4)')).toBe('/portal');
    expect(await text('#tap-events tbody tr td:nth-child(7)')).toBe('ana');
    expect(await text('#tap-events tbody tr td:nth-child(3)')).toBe('← in');

    await page.click('#tap-pause');
    await page.locator('#tap-status[data-state="paused"]').waitFor();
    ana.emit('typing:start', { threadId: 't1' });
    // While paused nothing is drawn: the row arrives with the resume, read from where it stopped.
    await page.click('#tap-pause');
    await page.locator('#tap-status[data-state="live"]').waitFor();
    await expect.poll(() => rows().count(), { timeout: 5000 }).toBe(3);

    if (process.env.UPDATE_SCREENSHOT) {
      await mkdir(dirname(SCREENSHOT), { recursive: true });
      await page.locator('section[aria-labelledby="tap-title"]').screenshot({ path: SCREENSHOT });
    }
    // Nobody stops it: the nodes end it at its duration and the stream says so.
    await page.locator('#tap-status[data-state="ended"]').waitFor({ timeout: 15_000 });
    expect(await text('#tap-status')).toMatch(/^Ended · 3 events · 1 node$/);
    expect(await page.locator('#tap-pause').isDisabled()).toBe(true);
  });

  it('stops a tap with Stop before its end', async () => {
    const bo = await client('/portal', 'bo', 'client', 't2');
    await page.fill('#tap-namespace', '');
    await page.fill('#tap-event', '');
    await page.fill('#tap-user', 'bo');
    await page.fill('#tap-duration', '600');
    await page.click('#tap-start');
    await page.locator('#tap-status[data-state="live"]').waitFor({ timeout: 5000 });
    bo.emit('heartbeat');
    await rows().first().waitFor({ timeout: 5000 });
    await page.click('#tap-stop');
    await page.locator('#tap-status[data-state="ended"]').waitFor({ timeout: 10_000 });
    const list = await fetch(`${edge.url}/admin/taps`, {
      headers: { authorization: `Bearer ${ADMIN_TOKEN}` },
    });
    const taps = (await list.json()) as { items: { state: string; filter: { userId?: string } }[] };
    expect(taps.items.find((t) => t.filter.userId === 'bo')?.state).toBe('ended');
  });
});

describe('the live feed', () => {
  it('steps down while the edge is gone, comes back to WebSocket after it restarts, and never puts the token in a URL', async () => {
    expect(await text('#feed-pill')).toBe('live · ws');
    await edge.close();
    // Down long enough to fall past SSE: the feed polls /admin/live/update, with no answer yet.
    await expect
      .poll(() => text('[data-diag="transport"]'), { timeout: 20_000, interval: 200 })
      .toBe('polling GET /admin/live/update');
    edge = await startEdge();
    // Polling answers first, then the feed probes upward (SSE, then WebSocket) with backoff.
    await page.locator('#feed-pill[data-state="live"]').waitFor({ timeout: 20_000 });
    await expect.poll(() => text('#feed-pill'), { timeout: 30_000, interval: 200 }).toBe('live · ws');
    expect(await text('[data-diag="transport"]')).toBe('WebSocket');

    const sockets = urls.filter((url) => url.startsWith('ws'));
    expect(sockets.length).toBeGreaterThanOrEqual(2);
    expect(urls.filter((url) => url.includes(ADMIN_TOKEN) || url.includes('access_token'))).toEqual([]);
    // Polling read the admin update, never the public /metrics with its masked room names.
    expect(urls.some((url) => new URL(url).pathname === '/admin/live/update')).toBe(true);
    expect(urls.filter((url) => new URL(url).pathname === '/metrics')).toEqual([]);
  });
});
