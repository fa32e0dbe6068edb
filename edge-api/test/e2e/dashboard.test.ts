import { mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ClusterView, TelltaleStore } from '@telltale/shared';
import { createMemoryStore } from '@telltale/shared/store/memory';
import { DEFAULT_PRESENCE, type SocketNode, silentLogger, startSocketNode } from '@telltale/socket-node';
import type { Browser, Page } from 'playwright-core';
import type { Socket } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningEdge, startEdgeServer } from '../../src/node/server.ts';
import { connectClient, fetchClusterView } from '../cluster-clients.ts';
import { ADMIN_TOKEN, edgeConfig, quietLogger } from '../harness.ts';
import { openBrowser } from './browser.ts';

const INTERVAL_MS = 500;
const NODE_SECRET = 'dashboard-e2e-node-secret-0123456789';
const SCREENSHOT = fileURLToPath(new URL('../../../docs/dashboard.png', import.meta.url));

let store: TelltaleStore;
let edge: RunningEdge;
let nodeA: SocketNode;
let nodeB: SocketNode;
let browser: Browser;
let page: Page;
let consoleErrors: string[];
const clients: Socket[] = [];
let traffic: ReturnType<typeof setInterval> | null = null;

function nodeSettings(nodeId: string) {
  return {
    port: 0,
    host: '127.0.0.1',
    nodeId,
    cluster: 'default',
    flushIntervalMs: INTERVAL_MS,
    shutdownTimeoutMs: 3000,
    jwt: { kind: 'secret' as const, secret: NODE_SECRET },
    presence: DEFAULT_PRESENCE,
    version: '0.1.0',
  };
}

async function client(
  node: SocketNode,
  namespace: '/hub' | '/portal',
  sub: string,
  role: 'client' | 'attendant',
) {
  const socket = await connectClient(`${node.url}${namespace}`, NODE_SECRET, { sub, role });
  clients.push(socket);
  socket.emit('join:thread', { threadId: `t-${clients.length % 3}` });
  return socket;
}

const metrics = (): Promise<ClusterView> => fetchClusterView(edge.url);

const text = async (selector: string) => (await page.locator(selector).first().textContent()) ?? '';

beforeAll(async () => {
  store = createMemoryStore();
  edge = await startEdgeServer({
    config: edgeConfig({
      PORT: '0',
      FLUSH_INTERVAL_MS: String(INTERVAL_MS),
      EXPECTED_NODES: '1',
      COMMAND_TIMEOUT_MS: '1500',
    }),
    store,
    logger: quietLogger,
  });
  nodeA = await startSocketNode(nodeSettings('node-a'), { store, log: silentLogger });
  nodeB = await startSocketNode(nodeSettings('node-b'), { store, log: silentLogger });
  await client(nodeA, '/portal', 'customer-1', 'client');
  await client(nodeA, '/portal', 'customer-2', 'client');
  await client(nodeA, '/hub', 'attendant-1', 'attendant');
  await client(nodeB, '/portal', 'customer-3', 'client');
  await client(nodeB, '/hub', 'attendant-2', 'attendant');
  // Steady traffic so throughput, latency and the charts have something to show.
  traffic = setInterval(() => {
    for (const socket of clients) if (socket.connected) socket.emit('heartbeat');
  }, 100);

  ({ browser, page, consoleErrors } = await openBrowser({ width: 1440, height: 900 }));
});

afterAll(async () => {
  if (traffic) clearInterval(traffic);
  for (const socket of clients) socket.close();
  await browser?.close();
  await nodeA?.close();
  await nodeB?.close();
  await edge?.close();
  await store?.close();
});

describe('the realtime dashboard in headless Chromium', () => {
  it('asks for the admin token once, then goes live over the WebSocket feed', async () => {
    await page.goto(`${edge.url}/system/health/realtime`);
    await page.locator('#token-dialog').waitFor({ state: 'visible' });
    await page.fill('#token-input', ADMIN_TOKEN);
    await page.click('#token-form button[type="submit"]');
    await page.locator('#feed-pill[data-state="live"]').waitFor({ timeout: 10_000 });
    expect(await text('#feed-pill')).toBe('live · ws');
    expect(await page.evaluate(() => sessionStorage.getItem('telltale.adminToken'))).toBe(ADMIN_TOKEN);
    await page.reload();
    await page.locator('#feed-pill[data-state="live"]').waitFor({ timeout: 10_000 });
    expect(await page.locator('#token-dialog').isVisible()).toBe(false);
  });

  it('renders live numbers that match /metrics', async () => {
    await expect
      .poll(
        async () => {
          const view = await metrics();
          return {
            page: {
              connections: await text('[data-metric="connections.total"]'),
              live: await text('[data-metric="nodes.live"]'),
              online: await text('[data-metric="presence.online"]'),
              rooms: await text('[data-metric="rooms.total"]'),
              hub: await text('[data-list="connections.by_namespace"] [data-key="/hub"]'),
            },
            metrics: {
              connections: String(view.connections.total),
              live: String(view.nodes.live),
              online: String(view.presence.online),
              rooms: String(view.rooms.total),
              hub: String(view.connections.hub),
            },
          };
        },
        { timeout: 10_000, interval: 250 },
      )
      .toSatisfy(({ page: shown, metrics: served }) => JSON.stringify(shown) === JSON.stringify(served));
    expect(await text('[data-metric="connections.total"]')).toBe('5');
    expect(await text('[data-metric="nodes.live"]')).toBe('2');
    expect(await page.locator('#status-card').getAttribute('data-status')).toBe('pass');
    expect(await page.locator('#nodes-table tbody tr[data-state="live"]').count()).toBe(2);
  });

  it('adds points to the charts as ticks pass', async () => {
    const points = async () =>
      Number(await page.locator('[data-chart="connections"]').getAttribute('data-points'));
    const before = await points();
    await expect.poll(points, { timeout: 10_000 }).toBeGreaterThanOrEqual(before + 2);
    expect(await page.locator('[data-chart="connections"] canvas').count()).toBe(1);
  });

  it('lists connections, searchable by user', async () => {
    await page.locator('#connections-table tbody tr[data-socket]').nth(4).waitFor({ timeout: 10_000 });
    await page.selectOption('#connections-field', 'user');
    await page.fill('#connections-query', 'attendant-2');
    await page.click('#connections-search button[type="submit"]');
    await expect.poll(() => page.locator('#connections-table tbody tr[data-socket]').count()).toBe(1);
    expect(await text('#connections-table tbody tr[data-socket] td:nth-child(2)')).toBe('attendant-2');
    await page.fill('#connections-query', '');
    await page.click('#connections-search button[type="submit"]');
    await expect.poll(() => page.locator('#connections-table tbody tr[data-socket]').count()).toBe(5);
  });

  it('disconnects a socket with the Disconnect button: the row goes, the client is really cut', async () => {
    const victim = clients[0]!;
    const socketId = victim.id!;
    const row = page.locator(`#connections-table tr[data-socket="${socketId}"]`);
    await row.waitFor({ timeout: 10_000 });
    const reason = new Promise<string>((resolve) => victim.once('disconnect', resolve));
    await row.locator('[data-action="disconnect"]').click();
    expect(await reason).toBe('io server disconnect');
    await row.waitFor({ state: 'detached', timeout: 5000 });
    await page.locator('#command-result[data-tone="pass"]').waitFor();
    expect(await text('#command-result')).toContain(`Socket ${socketId} disconnected by node-a`);
    await expect
      .poll(() => text('#audit-table tbody'), { timeout: 10_000 })
      .toContain(`disconnect socket ${socketId}`);
    await expect.poll(() => text('[data-metric="connections.total"]'), { timeout: 10_000 }).toBe('4');
  });

  it('looks right when populated (screenshot for the README) and fits a phone screen', async () => {
    await page.waitForTimeout(4 * INTERVAL_MS);
    await page.evaluate(() => window.scrollTo(0, 0));
    // UPDATE_SCREENSHOT=1 refreshes docs/dashboard.png; CI runs leave the committed one alone.
    if (process.env.UPDATE_SCREENSHOT) {
      await mkdir(dirname(SCREENSHOT), { recursive: true });
      await page.screenshot({ path: SCREENSHOT, fullPage: true });
    }
    await page.setViewportSize({ width: 390, height: 844 });
    await page.waitForTimeout(300);
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    expect(overflow).toBeLessThanOrEqual(0);
    if (process.env.UPDATE_SCREENSHOT) {
      await page.screenshot({ path: join(tmpdir(), 'telltale-dashboard-phone.png') });
    }
    await page.setViewportSize({ width: 1440, height: 900 });
  });

  it('pauses, resumes and forces an update over the feed', async () => {
    await page.click('#pause-btn');
    await page.locator('#feed-pill[data-state="paused"]').waitFor();
    const updates = await text('[data-diag="updates"]');
    await page.waitForTimeout(3 * INTERVAL_MS);
    expect(await text('[data-diag="updates"]')).toBe(updates);
    await page.click('#force-btn');
    await expect.poll(() => text('[data-diag="updates"]')).not.toBe(updates);
    expect(await text('[data-diag="force-rtt"]')).toMatch(/ms$/);
    await page.click('#pause-btn');
    await page.locator('#feed-pill[data-state="live"]').waitFor();
  });

  it('falls back to Server-Sent Events, then to polling, when the WebSocket is refused', async () => {
    const context = await browser.newContext();
    try {
      await context.addInitScript(
        (token) => sessionStorage.setItem('telltale.adminToken', token),
        ADMIN_TOKEN,
      );
      await context.routeWebSocket(/\/admin\/ws/, (ws) => ws.close());
      const fallback = await context.newPage();
      await fallback.goto(`${edge.url}/system/health/realtime`);
      const transport = () => fallback.locator('[data-diag="transport"]').textContent();
      await expect.poll(transport, { timeout: 15_000 }).toBe('Server-Sent Events');
      await fallback.locator('#feed-pill[data-state="live"]').waitFor({ timeout: 10_000 });
      expect(await fallback.locator('[data-metric="connections.total"]').textContent()).toBe(
        String((await metrics()).connections.total),
      );

      await fallback.route('**/admin/events', (route) => route.abort());
      await fallback.reload();
      await expect.poll(transport, { timeout: 20_000 }).toBe('polling GET /admin/live/update');
      await fallback.locator('#feed-pill[data-state="live"]').waitFor({ timeout: 10_000 });
      await fallback.locator('#status-card[data-status="pass"]').waitFor({ timeout: 10_000 });
    } finally {
      await context.close();
    }
  });

  it('turns the status to warn when a node stops flushing, and to fail when no node is live', async () => {
    await nodeB.instrumentation.stop({ deregister: false });
    await page.locator('#status-card[data-status="warn"]').waitFor({ timeout: 10_000 });
    expect(await text('[data-metric="status.reason"]')).toMatch(/node node-b is (stale|lost)/);
    expect(await page.locator('#nodes-table tr[data-node="node-b"]').getAttribute('data-state')).toMatch(
      /stale|lost/,
    );

    await nodeA.close();
    await page.locator('#status-card[data-status="fail"]').waitFor({ timeout: 10_000 });
    expect(await text('[data-metric="status.reason"]')).toContain('no socket node is live');
  });

  it('logged no console error', () => {
    expect(consoleErrors).toEqual([]);
  });

  it('says the data is stale when updates stop', async () => {
    await edge.close();
    await page.locator('#stale-banner').waitFor({ state: 'visible', timeout: 15_000 });
    expect(await text('#stale-banner')).toMatch(/^Data is stale: last update \d+ s ago/);
    expect(await page.locator('body.is-stale').count()).toBe(1);
  });
});
