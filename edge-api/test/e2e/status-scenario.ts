import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually } from '../../../socket-node/test/support/clients.ts';
import type { StatusReport } from '../../src/status/report.ts';
import { openBrowser } from './browser.ts';

/** One Alertmanager-style webhook body, as the edge posts it. */
export interface WebhookBody {
  status: string;
  alerts: { status: string; startsAt: string; labels: Record<string, string> }[];
}

/** A local receiver for ALERT_WEBHOOK_URL that keeps every body it got. */
export async function startWebhook(): Promise<{
  url: string;
  received: WebhookBody[];
  close(): Promise<void>;
}> {
  const received: WebhookBody[] = [];
  const server: Server = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => {
      body += chunk.toString();
    });
    req.on('end', () => {
      received.push(JSON.parse(body) as WebhookBody);
      res.writeHead(200).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`,
    received,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

/** What the scenario drives: an edge (Node or the Worker) over a cluster of two socket nodes, A and B. */
export interface StatusTarget {
  url(): string;
  admin: Record<string, string>;
  intervalMs: number;
  webhook: { url: string; received: WebhookBody[] };
  stopNodeB(): Promise<void>;
  startNodeB(): Promise<void>;
  /** Stops the edge and starts it again on the same durable storage (Redis, or the object's SQLite). */
  restartEdge(): Promise<void>;
  stop(): Promise<void>;
}

export const STATUS_ENV = {
  EXPECTED_NODES: '2',
  STATUS_TITLE: 'Acme chat status',
  STATUS_LINKS: 'Support=https://example.com/help,Docs=https://example.com/docs',
};

/** Fires at once when a node is missing and resolves as soon as both are back (no hysteresis). */
const NODES_RULE = {
  id: 'nodes-below-2',
  metric: 'nodes.live',
  comparison: '<',
  threshold: 1.5,
  hysteresis: 0,
  forMs: 0,
  severity: 'critical',
};

/**
 * The status page's end-to-end scenario, the same on both runtimes: the real state of a real
 * cluster, an incident from losing a node below EXPECTED_NODES and its recovery, uptime against
 * the time in fail the test measured, a maintenance window that holds the webhook, and the history
 * surviving an edge restart. `screenshots` writes docs/status-{desktop,phone}.png.
 */
export function statusScenario(
  name: string,
  start: () => Promise<StatusTarget>,
  options: { screenshots: boolean },
) {
  let target: StatusTarget;
  let browser: Browser;
  let page: Page;
  let consoleErrors: string[];
  let edgeStartedAt = 0;
  let failMeasured = 0;

  const url = () => target.url();
  const status = async (): Promise<StatusReport> =>
    (await fetch(`${url()}/status.json`)).json() as Promise<StatusReport>;
  const healthCode = async () => (await fetch(`${url()}/health`)).status;
  /** Everything matching, without waiting: the page is server-rendered, so it is there or it is not. */
  const text = async (selector: string) => (await page.locator(selector).allTextContents()).join('\n');
  /** The page as a visitor sees it once the report the routes reuse for up to 2 s has moved on. */
  const pageShows = (selector: string, expected: string, ms = 15_000) =>
    eventually(
      async () => {
        await page.goto(`${url()}/status`);
        return (await text(selector)).includes(expected);
      },
      ms,
      `${selector} shows '${expected}'`,
    );
  /** Node B goes; returns when /health first answered 503, as the test saw it. */
  const loseNodeB = async () => {
    await target.stopNodeB();
    return eventually(async () => ((await healthCode()) === 503 ? Date.now() : 0), 15_000, '/health 503');
  };
  const restoreNodeB = async () => {
    await target.startNodeB();
    return eventually(async () => ((await healthCode()) === 200 ? Date.now() : 0), 15_000, '/health 200');
  };
  const adminJson = (path: string, method: string, body?: unknown) =>
    fetch(`${url()}${path}`, {
      method,
      headers: { ...target.admin, 'content-type': 'application/json' },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });

  describe(name, { timeout: 60_000 }, () => {
    beforeAll(async () => {
      target = await start();
      edgeStartedAt = Date.now();
      expect((await adminJson('/admin/alerts/rules', 'PUT', [NODES_RULE])).status).toBe(200);
      ({ browser, page, consoleErrors } = await openBrowser({ width: 1280, height: 900 }));
    }, 120_000);

    afterAll(async () => {
      await browser?.close();
      await target?.stop();
    }, 30_000);

    it('shows the real state of a real cluster, on a desktop and a phone, with JavaScript off too', async () => {
      await pageShows('#overall', 'All systems operational');
      const response = await page.goto(`${url()}/status`);
      const csp = response!.headers()['content-security-policy'] ?? '';
      expect(csp).toContain("default-src 'none'");
      expect(csp).toContain("script-src 'self'");
      expect(await page.title()).toBe('Acme chat status');
      expect(await page.locator('nav a').allTextContents()).toEqual(['Support', 'Docs']);
      expect(await page.locator('.component').allTextContents()).toEqual([
        expect.stringContaining('2 of 2 expected live'),
        expect.stringContaining('reachable'),
        expect.stringContaining(`measuring every ${target.intervalMs} ms`),
      ]);
      expect(await page.locator('.bars .bar').count()).toBe(90);
      expect(await text('.uptime[data-window="24h"] dd')).toBe('100%');
      expect(await text('.definition')).toContain('only fail');
      expect(await page.content()).not.toContain('node-');

      const phone = await browser.newPage({ viewport: { width: 390, height: 844 } });
      await phone.goto(`${url()}/status`);
      expect(await phone.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
      expect(await phone.locator('.bars .bar').count()).toBe(90);
      await phone.close();

      const noScript = await browser.newContext({
        javaScriptEnabled: false,
        viewport: { width: 390, height: 844 },
      });
      const plain = await noScript.newPage();
      await plain.goto(`${url()}/status`);
      expect(await plain.locator('#overall').textContent()).toContain('All systems operational');
      expect(await plain.locator('.uptime').count()).toBe(4);
      await noScript.close();
    });

    it('opens an incident with its timeline when a node is lost below EXPECTED_NODES, and closes it on recovery', async () => {
      const failedAt = await loseNodeB();
      await pageShows('#active-incidents', 'Cluster outage');
      expect(await text('#overall')).toContain('Outage: only 1 of 2 expected socket nodes are live');
      const timeline = await text('#active-incidents .timeline li');
      expect(timeline).toContain('Cluster is fail: only 1 of 2 expected socket nodes are live');
      expect(timeline).toContain('Alert nodes-below-2 fired (critical)');
      const recoveredAt = await restoreNodeB();
      failMeasured = recoveredAt - failedAt;
      await pageShows('#resolved-incidents', 'Recovered: the cluster is pass');
      expect(await page.locator('#active-incidents').count()).toBe(0);
      expect(await text('#overall')).toContain('All systems operational');
      // Outside a window the webhook got the alert.
      await eventually(
        () =>
          target.webhook.received.some((r) =>
            r.alerts.some((a) => a.labels.alertname === 'nodes-below-2' && a.status === 'firing'),
          ),
        5000,
        'webhook with the firing alert',
      );
    });

    it('counts the time in fail as down: uptime over the test window matches what the test measured', async () => {
      // A tick at each end of the outage, plus the test's own polling of /health.
      const tolerance = 2 * target.intervalMs + 250;
      const report = await status();
      const observedMs = Date.now() - edgeStartedAt;
      expect(Math.abs(report.days.at(-1)!.failMs - failMeasured)).toBeLessThanOrEqual(tolerance);
      const downMs = (1 - report.uptime['24h']!) * observedMs;
      expect(Math.abs(downMs - failMeasured)).toBeLessThanOrEqual(tolerance + target.intervalMs);
    });

    it('shows a maintenance window ahead of time, holds the alert webhook inside it, and sends again after it', async () => {
      const startsAt = Date.now() + 6000;
      const created = await adminJson('/admin/maintenance/windows', 'POST', {
        startsAt: new Date(startsAt).toISOString(),
        durationMinutes: 30,
        message: 'Redis upgrade',
      });
      expect(created.status).toBe(201);
      const window = (await created.json()) as { id: string; createdBy: string };
      expect(window.createdBy).toBe('admin-token');
      await pageShows('.notice.planned', 'Redis upgrade', 5000);
      expect(Date.now()).toBeLessThan(startsAt);

      await pageShows('#maintenance-active', 'Maintenance in progress', 12_000);
      const before = target.webhook.received.length;
      await loseNodeB();
      // The engine saw the alert fire inside the window ...
      await eventually(
        async () => {
          const alerts = (await (await adminJson('/admin/alerts', 'GET')).json()) as {
            active: { ruleId: string; phase: string }[];
          };
          return alerts.active.some((a) => a.ruleId === 'nodes-below-2' && a.phase === 'firing');
        },
        5000,
        'alert firing',
      );
      expect((await status()).activeIncidents).toEqual([]);
      await restoreNodeB();
      expect((await adminJson(`/admin/maintenance/windows/${window.id}`, 'DELETE')).status).toBe(200);
      const endedAt = Date.now();
      // ... and the sentinel: the next firing after the window reaches the webhook, and is the only post since.
      await loseNodeB();
      await eventually(() => target.webhook.received.length > before, 10_000, 'webhook after the window');
      const since = target.webhook.received.slice(before);
      expect(since).toHaveLength(1);
      expect(since[0]!.status).toBe('firing');
      expect(Date.parse(since[0]!.alerts[0]!.startsAt)).toBeGreaterThanOrEqual(endedAt - 1000);
      await restoreNodeB();
    });

    it('keeps the history and incidents across an edge restart', async () => {
      await pageShows('#resolved-incidents', 'Cluster outage');
      const before = await status();
      await target.restartEdge();
      const after = await eventually(
        async () => {
          const report = await status();
          return report.components.length > 0 ? report : null;
        },
        20_000,
        'status after restart',
      );
      // Every incident from before the restart is still there, timeline and all. On a loaded machine the
      // new edge's first ticks may find a node's flush late and open one more: that one is new, not lost.
      const kept = after.recentIncidents.filter((i) => before.recentIncidents.some((b) => b.id === i.id));
      expect(kept).toEqual(before.recentIncidents);
      // Every state change is written at once, so all the time in fail was stored (more if one more outage).
      expect(after.days.at(-1)!.failMs).toBeGreaterThanOrEqual(before.days.at(-1)!.failMs);
      expect(after.uptime['24h']).toBeLessThan(1);

      if (options.screenshots) {
        await pageShows('#resolved-incidents', 'Cluster outage');
        await page.screenshot({ path: SHOTS.desktop, fullPage: true });
        const phone = await browser.newPage({ viewport: { width: 390, height: 844 } });
        await phone.goto(`${url()}/status`);
        await phone.screenshot({ path: SHOTS.phone, fullPage: true });
        await phone.close();
      }
      expect(consoleErrors).toEqual([]);
    });
  });
}

const SHOTS = {
  desktop: fileURLToPath(new URL('../../../docs/status-desktop.png', import.meta.url)),
  phone: fileURLToPath(new URL('../../../docs/status-phone.png', import.meta.url)),
};
