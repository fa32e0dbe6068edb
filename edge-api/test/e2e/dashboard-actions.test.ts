import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { TelltaleStore } from '@telltale/shared';
import { createMemoryStore } from '@telltale/shared/store/memory';
import { DEFAULT_PRESENCE, type SocketNode, silentLogger, startSocketNode } from '@telltale/socket-node';
import type { Browser, Page } from 'playwright-core';
import type { Socket } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningEdge, startEdgeServer } from '../../src/node/server.ts';
import { connectClient } from '../cluster-clients.ts';
import { ADMIN_TOKEN, edgeConfig, quietLogger } from '../harness.ts';
import { openBrowser } from './browser.ts';

/**
 * Socket detail and the actions of the dashboard in Chromium, against a real edge, two real
 * reference nodes and real socket.io clients: each action is confirmed, then really happens on
 * the client; a viewer sees no action and the API refuses it one.
 */

const INTERVAL_MS = 500;
const NODE_SECRET = 'dashboard-actions-node-secret-0123456789';
const VIEWER_TOKEN = 'dashboard-viewer-token-0123456789';
// UPDATE_SCREENSHOT=1 refreshes the screenshots in docs/; other runs write them to the temp dir.
const shot = (name: string) =>
  process.env.UPDATE_SCREENSHOT
    ? fileURLToPath(new URL(`../../../docs/${name}`, import.meta.url))
    : join(tmpdir(), `telltale-${name}`);

let store: TelltaleStore;
let edge: RunningEdge;
let nodes: SocketNode[] = [];
let browser: Browser;
let page: Page;
let consoleErrors: string[];
const clients: Socket[] = [];

const nodeSettings = (nodeId: string) => ({
  port: 0,
  host: '127.0.0.1',
  nodeId,
  cluster: 'default',
  flushIntervalMs: INTERVAL_MS,
  shutdownTimeoutMs: 3000,
  jwt: { kind: 'secret' as const, secret: NODE_SECRET },
  presence: DEFAULT_PRESENCE,
  version: '0.1.0',
});

async function client(node: SocketNode, sub: string, thread: string): Promise<Socket> {
  const socket = await connectClient(`${node.url}/portal`, NODE_SECRET, { sub, role: 'client' });
  clients.push(socket);
  socket.emit('join:thread', { threadId: thread });
  return socket;
}

const next = (socket: Socket, event: string) =>
  new Promise<unknown[]>((resolve) => socket.once(event, (...args: unknown[]) => resolve(args)));

async function signIn(token: string): Promise<void> {
  await page.goto(`${edge.url}/system/health/realtime`);
  await page.evaluate(() => sessionStorage.clear());
  await page.reload();
  await page.locator('#token-dialog').waitFor({ state: 'visible' });
  await page.fill('#token-input', token);
  await page.click('#token-form button[type="submit"]');
  await page.locator('#feed-pill[data-state="live"]').waitFor({ timeout: 10_000 });
}

/** Opens the socket's row; the dialog shows what its node answered. */
async function openSocket(socketId: string): Promise<void> {
  await page
    .locator(`#connections-table tr[data-socket="${socketId}"] td`)
    .first()
    .click({ timeout: 10_000 });
  await page.locator('#socket-dialog [data-field="id"] dd', { hasText: socketId }).waitFor({ timeout: 5000 });
}

async function confirm(): Promise<void> {
  await page.locator('#confirm-dialog [data-confirm="yes"]').click();
}

beforeAll(async () => {
  store = createMemoryStore();
  edge = await startEdgeServer({
    config: edgeConfig({
      PORT: '0',
      FLUSH_INTERVAL_MS: String(INTERVAL_MS),
      COMMAND_TIMEOUT_MS: '1500',
      VIEWER_TOKEN,
    }),
    store,
    logger: quietLogger,
  });
  nodes = [
    await startSocketNode(nodeSettings('node-a'), { store, log: silentLogger }),
    await startSocketNode(nodeSettings('node-b'), { store, log: silentLogger }),
  ];
  ({ browser, page, consoleErrors } = await openBrowser({ width: 1440, height: 1000 }));
});

afterAll(async () => {
  for (const socket of clients) socket.close();
  await browser?.close();
  for (const node of nodes) await node.close();
  await edge?.close();
  await store?.close();
});

describe('socket detail and actions in the dashboard', () => {
  it("opens a socket's detail from its row: its node, rooms and handshake fields", async () => {
    const alice = await client(nodes[1]!, 'alice', 't-7');
    await signIn(ADMIN_TOKEN);
    await openSocket(alice.id as string);
    const field = (name: string) =>
      page.locator(`#socket-dialog [data-field="${name}"]`).first().textContent();
    expect(await field('node')).toContain('node-b');
    expect(await field('namespace')).toContain('/portal');
    expect(await field('user')).toContain('alice');
    expect(await field('transport')).toContain('websocket');
    expect(await field('address')).toContain('127.0.0.1');
    expect(await field('query-keys')).toContain('EIO');
    // The reference server puts every socket in its user's room (t-7 is not a thread alice may join).
    expect(await page.locator('#socket-dialog li[data-room]').allTextContents()).toEqual([
      'user:alice Leave',
    ]);
    await page.screenshot({ path: shot('socket-detail.png') });
  });

  it('joins a room after confirmation, and a broadcast to it reaches the client', async () => {
    const alice = clients[0]!;
    await page.fill('#socket-join-room', 'vip:1');
    await page.click('#socket-join-form button[type="submit"]');
    await page.locator('#confirm-dialog').waitFor({ state: 'visible' });
    expect(await page.locator('#confirm-dialog').textContent()).toContain("joins room 'vip:1'");
    await confirm();
    await page.locator('#socket-result[data-tone="pass"]').waitFor();
    await page.locator('#socket-dialog li[data-room="vip:1"]').waitFor();
    const received = next(alice, 'notice');
    await page.request.post(`${edge.url}/admin/broadcast`, {
      headers: { authorization: `Bearer ${ADMIN_TOKEN}` },
      data: { namespace: '/portal', room: 'vip:1', event: 'notice', data: 'to vip' },
    });
    expect(await received).toEqual(['to vip']);
  });

  it('leaves a room after confirmation; cancelling does nothing', async () => {
    await page.locator('#socket-dialog li[data-room="vip:1"] button').click();
    await page.locator('#confirm-dialog [data-confirm="no"]').click();
    expect(await page.locator('#socket-dialog li[data-room="vip:1"]').count()).toBe(1);
    await page.locator('#socket-dialog li[data-room="vip:1"] button').click();
    await confirm();
    await page.locator('#socket-dialog li[data-room="vip:1"]').waitFor({ state: 'detached' });
  });

  it('emits an event to the socket, which the client receives', async () => {
    const alice = clients[0]!;
    const received = next(alice, 'admin:note');
    await page.fill('#socket-emit-event', 'admin:note');
    await page.fill('#socket-emit-data', '{"text":"hello from the dashboard"}');
    await page.click('#socket-emit-form button[type="submit"]');
    await confirm();
    expect(await received).toEqual([{ text: 'hello from the dashboard' }]);
    await page.locator('#socket-result[data-tone="pass"]').waitFor();
  });

  it('disconnects the user after confirmation: every socket of it, on every node', async () => {
    const alice = clients[0]!;
    const second = await client(nodes[0]!, 'alice', 't-8');
    const gone = [next(alice, 'disconnect'), next(second, 'disconnect')];
    await page.click('#user-disconnect');
    expect(await page.locator('#confirm-dialog').textContent()).toContain("Every socket of user 'alice'");
    await confirm();
    await Promise.all(gone);
    expect(alice.connected).toBe(false);
    expect(second.connected).toBe(false);
    await page.click('#socket-close');
  });

  it('broadcasts and turns maintenance on and off from the actions panel', async () => {
    const bob = await client(nodes[0]!, 'bob', 't-1');
    const received = next(bob, 'announcement');
    await page.fill('#broadcast-namespace', '/portal');
    await page.fill('#broadcast-event', 'announcement');
    await page.fill('#broadcast-data', '"deploy at noon"');
    await page.click('#broadcast-form button[type="submit"]');
    await confirm();
    expect(await received).toEqual(['deploy at noon']);

    await page.selectOption('#maintenance-mode', 'on');
    await page.fill('#maintenance-message', 'back soon');
    await page.click('#maintenance-form button[type="submit"]');
    await confirm();
    await page.locator('#actions-result[data-tone="pass"]').waitFor();
    await expect(
      connectClient(`${nodes[0]!.url}/portal`, NODE_SECRET, { sub: 'carol', role: 'client' }),
    ).rejects.toThrow(/maintenance/);
    await page.screenshot({ path: shot('dashboard-actions.png'), fullPage: false });
    await page.selectOption('#maintenance-mode', 'off');
    await page.click('#maintenance-form button[type="submit"]');
    await confirm();
    await page.locator('#actions-result', { hasText: 'Maintenance off' }).waitFor();
    const carol = await connectClient(`${nodes[0]!.url}/portal`, NODE_SECRET, {
      sub: 'carol',
      role: 'client',
    });
    clients.push(carol);
    expect(carol.connected).toBe(true);
  });

  it('keeps connection rows in place while live updates arrive', async () => {
    const row = page.locator('#connections-table tbody tr[data-socket]').first();
    await row.waitFor();
    const id = await row.getAttribute('data-socket');
    await page.evaluate((socketId) => {
      const tr = document.querySelector(`#connections-table tr[data-socket="${socketId}"]`) as HTMLElement & {
        marker?: string;
      };
      tr.marker = 'kept';
    }, id);
    // Several feed updates later (the interval is 500 ms), it is the same element, not a rebuilt one.
    const generated = await page.locator('[data-diag="last-update"]').textContent();
    await expect
      .poll(async () => page.locator('[data-diag="last-update"]').textContent(), { timeout: 5000 })
      .not.toBe(generated);
    const kept = await page.evaluate(
      (socketId) =>
        (
          document.querySelector(`#connections-table tr[data-socket="${socketId}"]`) as HTMLElement & {
            marker?: string;
          }
        )?.marker,
      id,
    );
    expect(kept).toBe('kept');
  });

  it("lists rooms with their namespace, filters by namespace and prefix, and shows a room's members", async () => {
    const erin = await client(nodes[1]!, 'erin', 't-3');
    const res = await page.request.post(`${edge.url}/admin/users/erin/join`, {
      headers: { authorization: `Bearer ${ADMIN_TOKEN}` },
      data: { room: 'desk:help' },
    });
    expect(res.status()).toBe(200);
    await page.fill('#rooms-prefix', 'desk:');
    await page.click('#rooms-search button[type="submit"]');
    const row = page.locator('#rooms-table tr[data-room="desk:help"]');
    await row.waitFor({ timeout: 10_000 });
    expect(await row.locator('td').allTextContents()).toEqual(['/portal', 'desk:help', '1']);
    expect(await page.locator('#rooms-table tbody tr[data-room]').count()).toBe(1);
    await page.selectOption('#rooms-namespace', '/hub');
    await page.locator('#rooms-table tbody tr.empty').waitFor();
    await page.selectOption('#rooms-namespace', '/portal');
    await row.click();
    const member = page.locator(`#room-members button[data-socket="${erin.id}"]`);
    await member.waitFor({ timeout: 5000 });
    expect(await page.locator('#room-members').textContent()).toContain('erin');
    await page.locator('#rooms-title').scrollIntoViewIfNeeded();
    await page.screenshot({ path: shot('room-members.png') });
    await member.click();
    await page.locator('#socket-dialog li[data-room="desk:help"]').waitFor({ timeout: 5000 });
    await page.click('#socket-close');
  });

  it('shows a viewer no action, and the API refuses a viewer with 403 naming the role', async () => {
    const dave = await client(nodes[0]!, 'dave', 't-2');
    await signIn(VIEWER_TOKEN);
    await page.locator('body[data-role="viewer"]').waitFor();
    await page.locator(`#connections-table tr[data-socket="${dave.id}"]`).waitFor({ timeout: 10_000 });
    expect(await page.locator('#actions-panel').isVisible()).toBe(false);
    expect(await page.locator('#connections-table [data-action="disconnect"]').first().isVisible()).toBe(
      false,
    );
    // Starting a tap and silencing an alert are actions too; a viewer may still watch taps and alerts.
    await page.locator('#tap-events').waitFor({ state: 'attached' });
    expect(await page.locator('#tap-form').isVisible()).toBe(false);
    expect(await page.locator('#tap-stop').isVisible()).toBe(false);
    await page.locator('#silence-form').waitFor({ state: 'attached' });
    expect(await page.locator('#silence-form').isVisible()).toBe(false);
    await openSocket(dave.id as string);
    expect(await page.locator('#socket-dialog .socket-actions').isVisible()).toBe(false);
    expect(await page.locator('#socket-dialog li[data-room] button').first().isVisible()).toBe(false);
    await page.screenshot({ path: shot('dashboard-viewer.png') });

    const refused = await page.evaluate(
      async ([url, token]) => {
        const res = await fetch(`${url}/admin/users/dave/disconnect`, {
          method: 'POST',
          headers: { authorization: `Bearer ${token}` },
        });
        return { status: res.status, body: await res.json() };
      },
      [edge.url, VIEWER_TOKEN] as const,
    );
    expect(refused.status).toBe(403);
    expect(refused.body.detail).toBe(
      "'viewer-token' has role 'viewer', which may only read; this needs role 'admin'",
    );
    expect(dave.connected).toBe(true);
    // The browser logs every refused request: the viewer's 403 above, the gone socket's 404 after
    // its user was disconnected. Nothing else may have gone wrong.
    const unexpected = consoleErrors.filter(
      (e) => !/^Failed to load resource: the server responded with a status of 40[34]/.test(e),
    );
    expect(unexpected).toEqual([]);
  });
});
