/**
 * The dashboard under its own Content Security Policy in headless Chromium: a load triggers no
 * violation (zod must not probe `new Function`), and no room-prefix chip asks /admin/rooms for a
 * prefix the API refuses, even for a prefix longer than the API accepts.
 */
import { createMemoryStore } from '@telltale/shared/store/memory';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningEdge, startEdgeServer } from '../../src/node/server.ts';
import { ADMIN_TOKEN, edgeConfig, flushNode, quietLogger, roomsAndUsers, snapshotOf } from '../harness.ts';
import { openBrowser } from './browser.ts';

const LONG_PREFIX = 'p'.repeat(250);
const store = createMemoryStore();
let edge: RunningEdge;
let browser: Browser;
let page: Page;
let flusher: ReturnType<typeof setInterval>;
const violations: string[] = [];
const consoleCsp: string[] = [];
const roomAnswers: { status: number; url: string }[] = [];

const flush = () =>
  flushNode(
    store,
    snapshotOf('node-a'),
    [],
    30_000,
    roomsAndUsers([
      ['/portal', 'thread:1', 3],
      ['/portal', 'thread:2', 1],
      ['/portal', `${LONG_PREFIX}:1`, 2],
    ]),
  );

beforeAll(async () => {
  await flush();
  flusher = setInterval(() => void flush(), 500);
  edge = await startEdgeServer({
    config: edgeConfig({ PORT: '0', FLUSH_INTERVAL_MS: '500' }),
    store,
    logger: quietLogger,
  });
  ({ browser, page } = await openBrowser({ width: 1440, height: 900 }));
  await page.addInitScript((token) => {
    sessionStorage.setItem('telltale.adminToken', token);
    document.addEventListener('securitypolicyviolation', (event) => {
      (window as unknown as { reportViolation: (text: string) => void }).reportViolation(
        `${event.violatedDirective} ${event.blockedURI} ${event.sourceFile}:${event.lineNumber}`,
      );
    });
  }, ADMIN_TOKEN);
  await page.exposeFunction('reportViolation', (text: string) => violations.push(text));
  page.on('console', (message) => {
    if (/Content Security Policy/i.test(message.text())) consoleCsp.push(message.text());
  });
  page.on('response', (response) => {
    if (new URL(response.url()).pathname.endsWith('/admin/rooms')) {
      roomAnswers.push({ status: response.status(), url: response.url() });
    }
  });
});

afterAll(async () => {
  clearInterval(flusher);
  await browser?.close();
  await edge?.close();
  await store.close();
});

describe('the dashboard under its CSP', () => {
  it('loads, goes live and parses every answer without a CSP violation', async () => {
    await page.goto(`${edge.url}/system/health/realtime`);
    await page.locator('#feed-pill[data-state="live"]').waitFor({ timeout: 10_000 });
    await page.locator('#rooms-table tbody tr td.mono').first().waitFor({ timeout: 10_000 });
    // Sentinel: an inline script the policy blocks, reported after anything the load itself caused.
    // (page.evaluate itself runs outside the page's CSP.)
    await page.evaluate(() => {
      const script = document.createElement('script');
      script.textContent = 'window.sentinel = 1';
      document.body.append(script);
    });
    const isSentinel = (v: string) => v.startsWith('script-src-elem inline');
    await expect.poll(() => violations.some(isSentinel), { timeout: 5000 }).toBe(true);
    expect(violations.slice(0, violations.findIndex(isSentinel))).toEqual([]);
    expect(consoleCsp.filter((text) => !text.startsWith('Executing inline script'))).toEqual([]);
  });

  it('never asks /admin/rooms for a prefix it refuses, whichever chip is clicked', async () => {
    const chips = page.locator('#room-prefixes button.chip');
    await expect.poll(() => chips.count(), { timeout: 10_000 }).toBeGreaterThanOrEqual(2);
    const count = await chips.count();
    for (let i = 0; i < count; i++) {
      const asked = roomAnswers.length;
      await chips.nth(i).click();
      await expect.poll(() => roomAnswers.length, { timeout: 5000 }).toBeGreaterThan(asked);
    }
    expect(roomAnswers.filter((answer) => answer.status !== 200)).toEqual([]);
    expect(await page.locator('#error-banner').isVisible()).toBe(false);
  });
});
