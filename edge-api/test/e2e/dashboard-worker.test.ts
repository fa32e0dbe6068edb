import type { SocketNode } from '@telltale/socket-node';
import type { Page } from 'playwright-core';
import type { Socket } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ClusterUnderWrangler } from '../worker/cluster-under-wrangler.ts';
import { type DashboardBrowser, openBrowser } from './browser.ts';

/**
 * The same dashboard served by the Worker (real workerd under `wrangler dev`, its aggregator a
 * Durable Object, Upstash REST in front of a real Redis) with a real socket node flushing into it.
 */
let cluster: ClusterUnderWrangler;
let browser: DashboardBrowser;
let page: Page;
let node: SocketNode;
let bob: Socket;

describe('the dashboard on the Worker runtime', { timeout: 60_000 }, () => {
  beforeAll(async () => {
    cluster = await ClusterUnderWrangler.start('dashboard-worker');
    node = await cluster.startSocketNode('node-w');
    await cluster.connectClient(node, 'alice');
    bob = await cluster.connectClient(node, 'bob');
    await cluster.connectClient(node, 'carol');
    await cluster.startWorker();
    browser = await openBrowser({ width: 1280, height: 900 });
    page = browser.page;
  }, 120_000);

  afterAll(async () => {
    await browser?.browser.close();
    await cluster?.stop();
  }, 30_000);

  it('goes live over the Durable Object WebSocket and shows what /metrics says', async () => {
    await page.goto(`${cluster.url}/system/health/realtime`);
    await page.fill('#token-input', cluster.adminToken);
    await page.click('#token-form button[type="submit"]');
    await page.locator('#feed-pill[data-state="live"]').waitFor({ timeout: 20_000 });
    expect(await page.locator('[data-diag="transport"]').textContent()).toBe('WebSocket');
    await expect
      .poll(() => page.locator('[data-metric="connections.total"]').textContent(), { timeout: 15_000 })
      .toBe('3');
    expect((await cluster.metrics()).connections.total).toBe(3);
    await page.locator('#status-card[data-status="pass"]').waitFor({ timeout: 10_000 });
  });

  it('disconnects a socket through the Worker', async () => {
    const socketId = bob.id!;
    const row = page.locator(`#connections-table tr[data-socket="${socketId}"]`);
    await row.waitFor({ timeout: 15_000 });
    const reason = new Promise<string>((resolve) => bob.once('disconnect', resolve));
    await row.locator('[data-action="disconnect"]').click();
    expect(await reason).toBe('io server disconnect');
    await row.waitFor({ state: 'detached', timeout: 5000 });
    await expect
      .poll(() => page.locator('[data-metric="connections.total"]').textContent(), { timeout: 15_000 })
      .toBe('2');
  });

  it('logged no console error', () => {
    expect(browser.consoleErrors).toEqual([]);
  });
});
