import { fileURLToPath } from 'node:url';
import type { TelltaleStore } from '@telltale/shared';
import { createMemoryStore } from '@telltale/shared/store/memory';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningEdge, startEdgeServer } from '../../src/node/server.ts';
import { ADMIN_TOKEN, admin, edgeConfig, quietLogger } from '../harness.ts';
import { openBrowser } from './browser.ts';

/**
 * Editing one alert rule from the Alerts panel (through the confirmation) and the availability SLO card,
 * in headless Chromium against a real Node edge over HTTP. No node runs, so with EXPECTED_NODES=1 every
 * tick is bad: the SLO's figures hold still while the test reads them.
 */

const VIEWER_TOKEN = 'alert-rules-viewer-token-0123456789';
const shot = (name: string) => fileURLToPath(new URL(`../../../docs/${name}`, import.meta.url));

interface Rule {
  id: string;
  threshold: number;
  [field: string]: unknown;
}
interface Slo {
  target: number;
  windowMs: number;
  bad: number;
  availability: number | null;
  errorBudgetRemaining: number | null;
  burnRates: Record<string, number | null>;
}

let store: TelltaleStore;
let edge: RunningEdge;
let browser: Browser;
let page: Page;
let consoleErrors: string[];

const getJson = async <T>(path: string): Promise<T> =>
  (await (await fetch(`${edge.url}${path}`, { headers: admin })).json()) as T;

async function signIn(on: Page, token: string): Promise<void> {
  const session = on.waitForResponse((r) => r.url().endsWith('/admin/session'));
  await on.goto(`${edge.url}/system/health/realtime`);
  await on.locator('#token-dialog').waitFor({ state: 'visible' });
  await on.fill('#token-input', token);
  await on.click('#token-form button[type="submit"]');
  expect((await session).status()).toBe(200);
  await on.locator('#rules-table tr[data-rule-id="node-lost"]').waitFor({ timeout: 10_000 });
}

beforeAll(async () => {
  store = createMemoryStore();
  edge = await startEdgeServer({
    config: edgeConfig({ PORT: '0', FLUSH_INTERVAL_MS: '500', SLO_WINDOW: '6h', VIEWER_TOKEN }),
    store,
    logger: quietLogger,
  });
  ({ browser, page, consoleErrors } = await openBrowser({ width: 1440, height: 1000 }));
  await signIn(page, ADMIN_TOKEN);
});

afterAll(async () => {
  await browser?.close();
  await edge?.close();
  await store?.close();
});

describe('one alert rule edited from the dashboard', () => {
  it("changes the rule's threshold after the confirmation and leaves the other rules as they were", async () => {
    const before = (await getJson<{ rules: Rule[] }>('/admin/alerts')).rules;
    expect(before.find((r) => r.id === 'node-lost')?.threshold).toBe(0);

    await page.locator('[data-edit-rule="node-lost"]').click();
    const form = page.locator('#rule-dialog #rule-form');
    await form.waitFor({ state: 'visible' });
    // Checked in the browser with the rule schema: an empty threshold goes nowhere.
    await form.locator('input[name="threshold"]').fill('');
    await form.locator('button[type="submit"]').click();
    expect(await form.locator('.form-error').textContent()).toMatch(/^threshold: /);
    expect(await page.locator('#confirm-dialog').isVisible()).toBe(false);

    await form.locator('input[name="threshold"]').fill('3');
    expect(await form.locator('.form-error').isVisible()).toBe(false);
    // UPDATE_SCREENSHOT=1 refreshes the screenshots in docs/; CI runs leave the committed ones alone.
    if (process.env.UPDATE_SCREENSHOT) await page.screenshot({ path: shot('dashboard-alert-edit.png') });
    await form.locator('button[type="submit"]').click();
    const confirmation = page.locator('#confirm-dialog');
    await confirmation.waitFor({ state: 'visible' });
    expect(await confirmation.locator('.confirm-detail').textContent()).toBe(
      'threshold 0 → 3. The other rules stay as they are; the rule applies from the next tick.',
    );
    await confirmation.locator('[data-confirm="yes"]').click();

    const result = page.locator('#rules-result');
    await expect
      .poll(() => result.textContent(), { timeout: 5000 })
      .toBe(
        `ack Rule node-lost saved: nodes.lost > 3 for 0 s, warning, enabled; ${before.length} rules in force.`,
      );
    expect(await page.locator('#rule-dialog').isVisible()).toBe(false);
    await expect
      .poll(() => page.locator('#rules-table tr[data-rule-id="node-lost"] td').nth(1).textContent(), {
        timeout: 5000,
      })
      .toBe('nodes.lost > 3');

    const after = (await getJson<{ rules: Rule[] }>('/admin/alerts')).rules;
    expect(after.find((r) => r.id === 'node-lost')).toEqual({
      ...before.find((r) => r.id === 'node-lost'),
      threshold: 3,
    });
    expect(after.filter((r) => r.id !== 'node-lost')).toEqual(before.filter((r) => r.id !== 'node-lost'));
  });

  it('cancelling the confirmation sends nothing', async () => {
    await page.locator('[data-edit-rule="node-lost"]').click();
    const form = page.locator('#rule-dialog #rule-form');
    await form.locator('input[name="threshold"]').fill('9');
    await form.locator('button[type="submit"]').click();
    await page.locator('#confirm-dialog [data-confirm="no"]').click();
    await form.locator('button', { hasText: 'Cancel' }).click();
    const rules = (await getJson<{ rules: Rule[] }>('/admin/alerts')).rules;
    expect(rules.find((r) => r.id === 'node-lost')?.threshold).toBe(3);
  });

  it('shows a viewer the rules and no Edit', async () => {
    const viewer = await browser.newPage({ viewport: { width: 1440, height: 1000 } });
    try {
      await signIn(viewer, VIEWER_TOKEN);
      expect(await viewer.locator('body').getAttribute('data-role')).toBe('viewer');
      expect(await viewer.locator('#rules-table tr[data-rule-id]').count()).toBeGreaterThan(1);
      expect(await viewer.locator('[data-edit-rule]').first().isVisible()).toBe(false);
      expect(await page.locator('[data-edit-rule="node-lost"]').isVisible()).toBe(true);
    } finally {
      await viewer.close();
    }
  });
});

describe('the availability SLO card', () => {
  it('shows what /admin/slo answers: target and window, availability, budget, each burn rate', async () => {
    await expect
      .poll(async () => (await getJson<Slo>('/admin/slo')).bad, { timeout: 5000 })
      .toBeGreaterThan(0);
    const card = page.locator('#slo-card');
    const slot = (name: string) => card.locator(`[data-slo="${name}"]`);
    // The card reads /admin/slo every 6 updates (3 s here); wait for one made after ticks were counted.
    await expect
      .poll(() => slot('availability').getAttribute('data-value'), { timeout: 10_000 })
      .toMatch(/^-?[\d.]+$/);

    // Floating-point figures move in their last digit as ticks are counted: compare the card with an
    // answer read at the same tick count (the card's `N good · M bad`), retrying until one is.
    const shown = async () => ({
      ticks: await slot('ticks').textContent(),
      target: Number(await slot('target').getAttribute('data-value')),
      windowMs: Number(await slot('target').getAttribute('data-window-ms')),
      availability: Number(await slot('availability').getAttribute('data-value')),
      errorBudgetRemaining: Number(await slot('budget').getAttribute('data-value')),
      burnRates: Object.fromEntries(
        await card
          .locator('[data-burn]')
          .evaluateAll((dds) =>
            dds.map((dd) => [dd.getAttribute('data-burn'), Number(dd.getAttribute('data-value'))]),
          ),
      ),
    });
    const answered = async () => {
      const { good, bad, target, windowMs, availability, errorBudgetRemaining, burnRates } = await getJson<
        Slo & { good: number }
      >('/admin/slo');
      return {
        ticks: `${good} good · ${bad} bad`,
        target,
        windowMs,
        availability,
        errorBudgetRemaining,
        burnRates,
      };
    };
    let pair = { card: await shown(), api: await answered() };
    await expect
      .poll(
        async () => {
          pair = { card: await shown(), api: await answered() };
          return pair.card.ticks === pair.api.ticks;
        },
        { timeout: 10_000, interval: 100 },
      )
      .toBe(true);
    expect(pair.card).toEqual(pair.api);

    // Every tick is bad (no node of the one expected): 0 % available, the budget 1000× spent.
    expect(await slot('target').textContent()).toBe('99.9 % over 6 h');
    expect(await slot('availability').textContent()).toBe('0 %');
    expect(await slot('budget').textContent()).toBe('-99900 % (overspent)');
    expect(await card.locator('dt').allTextContents()).toEqual([
      'error budget',
      'ticks counted',
      'last 5 min',
      'last 30 min',
      'last 1 h',
      'last 6 h',
      'last 3 d',
    ]);
    expect(await card.locator('[data-burn="1h"]').textContent()).toBe('1000×');
    if (process.env.UPDATE_SCREENSHOT) await card.screenshot({ path: shot('dashboard-slo.png') });
    expect(consoleErrors).toEqual([]);
  });
});
