import { fileURLToPath } from 'node:url';
import { type ClusterView, HealthReport, type TelltaleStore } from '@telltale/shared';
import { createMemoryStore } from '@telltale/shared/store/memory';
import { DEFAULT_PRESENCE, type SocketNode, silentLogger, startSocketNode } from '@telltale/socket-node';
import type { Browser, Page } from 'playwright-core';
import type { Socket } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningEdge, startEdgeServer } from '../../src/node/server.ts';
import { connectClient, fetchClusterView } from '../cluster-clients.ts';
import { ADMIN_TOKEN, admin, edgeConfig, quietLogger } from '../harness.ts';
import { openBrowser } from './browser.ts';

/**
 * What the dashboard must not hide (issue 15 §6, §7, §9, §10): maintenance, refused connections,
 * rates with their window, the store it reads, an edge that went away, the phone layout.
 */

const INTERVAL_MS = 500;
const NODE_SECRET = 'honesty-e2e-node-secret-0123456789';
const PHONE_SCREENSHOT = fileURLToPath(new URL('../../../docs/dashboard-phone.png', import.meta.url));
const CARDS_SCREENSHOT = fileURLToPath(new URL('../../../docs/dashboard-maintenance.png', import.meta.url));
/** One heartbeat per client every 50 ms: 20 events/s per client. */
const TRAFFIC_EVERY_MS = 50;

let store: TelltaleStore;
let edge: RunningEdge;
let node: SocketNode;
let browser: Browser;
let page: Page;
let consoleErrors: string[];
const clients: Socket[] = [];
let traffic: ReturnType<typeof setInterval> | null = null;

const text = async (selector: string) => ((await page.locator(selector).first().textContent()) ?? '').trim();
const metrics = (): Promise<ClusterView> => fetchClusterView(edge.url, { adminToken: ADMIN_TOKEN });

async function portalClient(sub: string): Promise<Socket> {
  const socket = await connectClient(`${node.url}/portal`, NODE_SECRET, { sub, role: 'client' });
  clients.push(socket);
  return socket;
}

function startTraffic(sockets: Socket[]): void {
  traffic = setInterval(() => {
    for (const socket of sockets) if (socket.connected) socket.emit('heartbeat');
  }, TRAFFIC_EVERY_MS);
}

function stopTraffic(): void {
  if (traffic) clearInterval(traffic);
  traffic = null;
}

async function maintenance(enabled: boolean): Promise<void> {
  const response = await fetch(`${edge.url}/admin/maintenance`, {
    method: 'POST',
    headers: { ...admin, 'content-type': 'application/json' },
    body: JSON.stringify({ enabled, message: 'back at 10:00' }),
  });
  expect(response.status).toBe(200);
}

async function health(): Promise<{ status: number; report: HealthReport }> {
  const response = await fetch(`${edge.url}/health`);
  return { status: response.status, report: HealthReport.parse(await response.json()) };
}

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
  ({ browser, page, consoleErrors } = await openBrowser({ width: 1440, height: 900 }));
  await page.addInitScript((token) => sessionStorage.setItem('telltale.adminToken', token), ADMIN_TOKEN);
  await page.goto(`${edge.url}/system/health/realtime`);
  await page.locator('#feed-pill[data-state="live"]').waitFor({ timeout: 15_000 });
});

afterAll(async () => {
  stopTraffic();
  for (const socket of clients) socket.close();
  await browser?.close();
  await node?.close();
  await edge?.close();
  await store?.close();
});

describe('the dashboard says what is going on', () => {
  it('names the in-memory store instead of "Redis up, nodes connected 1 / 1"', async () => {
    await expect
      .poll(() => text('#redis-card [data-metric="store.kind"]'), { timeout: 10_000 })
      .toBe('in-memory store');
    expect(await text('#redis-card [data-metric="redis.connected"]')).toBe('in-memory');
    expect(await text('#redis-card [data-metric="redis.nodes_connected"]')).toBe('n/a');
    expect(await page.locator('#redis-card').getAttribute('data-redis')).toBe('memory');
  });

  it('labels events/s with its window, measures the last interval, and reads 0 one interval after traffic stops', async () => {
    const sockets = [await portalClient('rate-1'), await portalClient('rate-2')];
    startTraffic(sockets);
    // Two clients at one heartbeat per 50 ms each: about 40 events/s over any interval.
    await expect
      .poll(async () => (await metrics()).events.throughput.interval?.inbound ?? 0, { timeout: 10_000 })
      .toBeGreaterThan(30);
    const busy = await metrics();
    expect(busy.events.throughput.interval?.inbound).toBeLessThan(50);
    expect(busy.rate_windows_ms?.interval).toBeGreaterThanOrEqual(INTERVAL_MS * 0.8);
    expect(busy.rate_windows_ms?.interval).toBeLessThanOrEqual(INTERVAL_MS * 2.5);
    expect(await text('#throughput-card .big [data-window="interval"]')).toMatch(/^last 0\.\d s$/);
    expect(await text('#throughput-card dl [data-window="1m"]')).toMatch(/^avg over \d+(\.\d)? s$/);

    stopTraffic();
    for (const socket of sockets) socket.close();
    // Connections gone and no traffic: the last interval says 0 while the trailing minute still remembers the burst.
    await expect
      .poll(
        async () => {
          const view = await metrics();
          return [view.connections.total, view.events.throughput.interval?.inbound];
        },
        { timeout: 10_000 },
      )
      .toEqual([0, 0]);
    const idle = await metrics();
    expect(idle.events.throughput.inbound).toBeGreaterThan(0);
    await expect
      .poll(() => text('[data-metric="events.throughput.interval.inbound"]'), { timeout: 10_000 })
      .toBe('0/s');
    // The chart's series is the interval rate: its latest tick point is 0 too.
    const history = await fetch(`${edge.url}/metrics/history?minutes=5`, { headers: admin });
    const body = (await history.json()) as { points: { values: Record<string, number | null> }[] };
    expect(body.points.at(-1)?.values['events.throughput.interval.inbound']).toBe(0);
  });

  it('shows maintenance in the status card, the tab title and /health, and counts refused connections', async () => {
    await maintenance(true);
    await page.locator('#status-card[data-status="warn"]').waitFor({ timeout: 10_000 });
    expect(await text('[data-metric="status.reason"]')).toBe(
      'node node-a is in maintenance mode: it refuses every new connection',
    );
    expect(await page.title()).toBe('WARN · Telltale · realtime');

    const refusal = await portalClient('turned-away').then(
      () => 'connected',
      (error: Error) => error.message,
    );
    expect(refusal).toBe('server is in maintenance mode: back at 10:00');
    await expect.poll(() => text('[data-metric="connections.refused.count"]'), { timeout: 10_000 }).toBe('1');
    expect(await text('[data-list="connections.refused.by_reason"] [data-key="maintenance"]')).toBe('1');
    expect(await text('[data-metric="status.maintenance"]')).toBe(
      'Maintenance: every node refusing new connections (1 refused).',
    );

    if (process.env.UPDATE_SCREENSHOT) await page.locator('.cards').screenshot({ path: CARDS_SCREENSHOT });

    const { status, report } = await health();
    expect([status, report.status]).toEqual([200, 'warn']);
    expect(report.checks['nodes:mode']).toEqual([
      expect.objectContaining({ componentId: 'node-a', observedValue: 'maintenance', status: 'warn' }),
    ]);
    expect(report.checks['connections:refused']?.[0]).toMatchObject({
      observedValue: 1,
      output: 'refused since the nodes started: maintenance 1',
    });

    await maintenance(false);
    await page.locator('#status-card[data-status="pass"]').waitFor({ timeout: 10_000 });
    expect(await page.title()).toBe('Telltale · realtime');
    expect(await page.locator('[data-metric="status.maintenance"]').isVisible()).toBe(false);
  });

  it('keeps the Disconnect button on a 390 px screen, and the answer banner clears', async () => {
    const victim = await portalClient('phone-user');
    await page.setViewportSize({ width: 390, height: 844 });
    const row = page.locator(`#connections-table tr[data-socket="${victim.id}"]`);
    await row.waitFor({ timeout: 10_000 });
    if (process.env.UPDATE_SCREENSHOT) {
      await row.locator('[data-action="disconnect"]').scrollIntoViewIfNeeded();
      await page.screenshot({ path: PHONE_SCREENSHOT });
    }
    // Paused, the table is not rebuilt under the measurement.
    await page.click('#pause-btn');
    await page.locator('#feed-pill[data-state="paused"]').waitFor();
    const button = row.locator('[data-action="disconnect"]');
    await button.scrollIntoViewIfNeeded();
    const box = await button.boundingBox();
    expect(box).not.toBeNull();
    expect(box!.x).toBeGreaterThanOrEqual(0);
    expect(box!.x + box!.width).toBeLessThanOrEqual(390);
    // On screen and not covered by the columns scrolling under it.
    const hit = await page.evaluate(
      ([x, y]) => document.elementFromPoint(x!, y!)?.closest('[data-action="disconnect"]') !== null,
      [box!.x + box!.width / 2, box!.y + box!.height / 2],
    );
    expect(hit).toBe(true);
    expect(
      await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth),
    ).toBeLessThanOrEqual(0);

    const reason = new Promise<string>((resolve) => victim.once('disconnect', resolve));
    await button.click();
    expect(await reason).toBe('io server disconnect');
    await page.locator('#command-result[data-tone="pass"]').waitFor();
    await page.locator('#command-result').waitFor({ state: 'hidden', timeout: 12_000 });
    await page.click('#pause-btn');
    await page.locator('#feed-pill[data-state="live"]').waitFor({ timeout: 10_000 });
    await page.setViewportSize({ width: 1440, height: 900 });
  });

  it('says "already gone" for a socket no node holds any more, not a red error', async () => {
    const leaver = await portalClient('leaver');
    const row = page.locator(`#connections-table tr[data-socket="${leaver.id}"]`);
    await row.waitFor({ timeout: 10_000 });
    // Paused, the table keeps the row while the client leaves and the node flushes it away.
    await page.click('#pause-btn');
    await page.locator('#feed-pill[data-state="paused"]').waitFor();
    const id = leaver.id!;
    leaver.close();
    await expect
      .poll(
        async () => {
          const response = await fetch(`${edge.url}/admin/connections?search=${id}&fresh=1`, {
            headers: admin,
          });
          return ((await response.json()) as { items: unknown[] }).items.length;
        },
        { timeout: 10_000 },
      )
      .toBe(0);
    await row.locator('[data-action="disconnect"]').click();
    await page.locator('#command-result[data-tone="info"]').waitFor({ timeout: 5000 });
    expect(await text('#command-result')).toBe(`done Socket ${id} was already gone: no node holds it.`);
    await row.waitFor({ state: 'detached' });
    await page.click('#pause-btn');
    await page.locator('#feed-pill[data-state="live"]').waitFor({ timeout: 10_000 });
  });

  it('logged no console error but the 404 of the already-gone disconnect (Chromium logs every non-2xx fetch)', () => {
    expect(consoleErrors).toEqual([
      'Failed to load resource: the server responded with a status of 404 (Not Found)',
    ]);
  });

  it('says unknown — edge unreachable, not a greyed PASS, when the edge goes away', async () => {
    await page.locator('#status-card[data-status="pass"]').waitFor({ timeout: 10_000 });
    await edge.close();
    await page.locator('#status-card[data-status="unknown"]').waitFor({ timeout: 15_000 });
    expect(await text('[data-metric="status"]')).toBe('unknown');
    expect(await text('[data-metric="status.reason"]')).toMatch(
      /^Edge unreachable: no update for \d+ s; it last said pass\.$/,
    );
    expect(await page.title()).toBe('UNKNOWN · Telltale · realtime');
  });
});
