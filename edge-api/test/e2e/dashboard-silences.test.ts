import type { TelltaleStore } from '@telltale/shared';
import { createMemoryStore } from '@telltale/shared/store/memory';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningEdge, startEdgeServer } from '../../src/node/server.ts';
import { ADMIN_TOKEN, admin, edgeConfig, quietLogger } from '../harness.ts';
import { openBrowser } from './browser.ts';

/** The Alerts panel's silences in headless Chromium against a real Node edge over HTTP. */

let store: TelltaleStore;
let edge: RunningEdge;
let browser: Browser;
let page: Page;

beforeAll(async () => {
  store = createMemoryStore();
  edge = await startEdgeServer({
    config: edgeConfig({ PORT: '0', FLUSH_INTERVAL_MS: '500', EXPECTED_NODES: '1' }),
    store,
    logger: quietLogger,
  });
  ({ browser, page } = await openBrowser({ width: 1440, height: 900 }));
  await page.goto(`${edge.url}/system/health/realtime`);
  await page.locator('#token-dialog').waitFor({ state: 'visible' });
  await page.fill('#token-input', ADMIN_TOKEN);
  await page.click('#token-form button[type="submit"]');
});

afterAll(async () => {
  await browser?.close();
  await edge?.close();
  await store?.close();
});

const silenceRows = () => page.locator('#silences-table tbody tr[data-silence-id]');

describe('silences in the dashboard', () => {
  it('creates a silence for a rule from the form and expires it with its button', async () => {
    const form = page.locator('#silence-form');
    await form.locator('input[name="ruleId"]').fill('node-lost');
    await form.locator('select[name="duration"]').selectOption({ label: '4 hours' });
    await form.locator('input[name="comment"]').fill('replacing node-2');
    await form.locator('button[type="submit"]').click();

    await silenceRows().first().waitFor({ timeout: 5000 });
    const row = silenceRows().first();
    expect(await row.locator('td').nth(0).textContent()).toBe('alertname="node-lost"');
    expect(await row.locator('td').nth(1).textContent()).toBe('active');
    expect(await row.locator('td').nth(3).textContent()).toBe('admin-token');
    expect(await row.locator('td').nth(4).textContent()).toBe('replacing node-2');

    const listed = (await (await fetch(`${edge.url}/admin/silences`, { headers: admin })).json()) as {
      silences: { id: string; endsAt: number; startsAt: number; status: string }[];
    };
    expect(listed.silences).toHaveLength(1);
    const [silence] = listed.silences;
    expect(silence && silence.endsAt - silence.startsAt).toBe(4 * 3_600_000);
    expect(await row.getAttribute('data-silence-id')).toBe(silence?.id);

    await row.locator('button', { hasText: 'Expire' }).click();
    await expect.poll(() => row.locator('td').nth(1).textContent(), { timeout: 5000 }).toBe('expired');
    expect(await row.locator('button').count()).toBe(0);
    const after = (await (await fetch(`${edge.url}/admin/silences`, { headers: admin })).json()) as {
      silences: { status: string; expiredBy: string }[];
    };
    expect(after.silences).toMatchObject([{ status: 'expired', expiredBy: 'admin-token' }]);

    // Both changes are in the Audit trail panel (it refreshes every few live updates), with who did them.
    const expiredRow = page.locator('#audit-table tbody tr[data-action="silence-expire"]');
    await expiredRow.waitFor({ timeout: 20_000 });
    const createdRow = page.locator('#audit-table tbody tr[data-action="silence-create"]');
    expect(await createdRow.locator('td').nth(1).textContent()).toBe('admin-token (admin)');
    expect(await createdRow.locator('td').nth(3).textContent()).toBe(silence?.id);
    expect(await createdRow.locator('td').nth(4).textContent()).toBe(
      'applied mutes {alertname=node-lost} for 240 min: replacing node-2',
    );
    expect(await expiredRow.locator('td').nth(4).textContent()).toBe(
      'applied expired early; it muted {alertname=node-lost}',
    );
  });
});
