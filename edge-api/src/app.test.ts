import { afterEach, describe, expect, it, vi } from 'vitest';
import { admin, type Edge, flushNode, json, makeEdge, snapshotOf } from '../test/harness.ts';
import { liveProtocols } from './live/ws-protocol.ts';

let edge: Edge;
afterEach(() => edge?.stop());

describe('errors are application/problem+json', () => {
  it('404 for an unknown route, with the path as instance', async () => {
    edge = makeEdge();
    const res = await edge.app.request('/nope?x=1');
    expect(res.status).toBe(404);
    expect(res.headers.get('content-type')).toBe('application/problem+json');
    expect(await json(res)).toEqual({
      type: 'about:blank',
      title: 'Not found',
      status: 404,
      detail: 'no route for GET /nope',
      instance: '/nope',
    });
  });

  it('500 for an unexpected failure without leaking its message', async () => {
    edge = makeEdge();
    const failing = makeEdge({
      store: edge.store,
      deps: {
        aggregator: {
          ...edge.aggregator.client,
          latest: () => Promise.reject(new Error('secret internals at /srv/app.ts:42')),
        },
      },
    });
    const log = vi.spyOn(console, 'error').mockImplementation(() => {});
    const res = await failing.app.request('/health');
    log.mockRestore();
    expect(res.status).toBe(500);
    const body = await json(res);
    expect(body.title).toBe('Internal error');
    expect(JSON.stringify(body)).not.toContain('secret');
    await failing.aggregator.stop();
  });

  it('admin routes are 503 (never open) when no admin credential is configured', async () => {
    edge = makeEdge({ env: { ADMIN_TOKEN: undefined, JWT_SECRET: undefined } });
    const res = await edge.app.request('/admin/nodes', { headers: admin });
    expect(res.status).toBe(503);
    expect((await json(res)).type).toBe('urn:telltale:problem:admin-disabled');
  });
});

describe('CORS', () => {
  it('sends no CORS headers unless CORS_ORIGINS is set', async () => {
    edge = makeEdge();
    const res = await edge.app.request('/health/live', { headers: { origin: 'https://ops.example' } });
    expect(res.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('allows the configured origins, preflight included', async () => {
    edge = makeEdge({ env: { CORS_ORIGINS: 'https://ops.example, https://other.example' } });
    const res = await edge.app.request('/admin/nodes', {
      method: 'OPTIONS',
      headers: { origin: 'https://ops.example', 'access-control-request-method': 'GET' },
    });
    expect(res.status).toBe(204);
    expect(res.headers.get('access-control-allow-origin')).toBe('https://ops.example');
    expect(res.headers.get('access-control-allow-headers')).toContain('Authorization');
    // Silences and maintenance windows are expired with DELETE.
    expect(res.headers.get('access-control-allow-methods')).toBe('GET,POST,PUT,DELETE,OPTIONS');
    const foreign = await edge.app.request('/health/live', { headers: { origin: 'https://evil.example' } });
    expect(foreign.headers.get('access-control-allow-origin')).toBeNull();
  });
});

describe('live feed routes', () => {
  it('/admin/ws needs admin, a WebSocket upgrade, and a runtime that provides one', async () => {
    edge = makeEdge();
    expect((await edge.app.request('/admin/ws')).status).toBe(401);
    expect((await edge.app.request('/admin/ws', { headers: admin })).status).toBe(426);
    const upgrade = await edge.app.request('/admin/ws', {
      headers: {
        upgrade: 'websocket',
        'sec-websocket-protocol': liveProtocols(admin.authorization.slice(7)).join(', '),
      },
    });
    expect(upgrade.status).toBe(501);
    // The token is no longer taken from the URL, where browsers and proxies log it.
    const byQuery = await edge.app.request(`/admin/ws?access_token=${admin.authorization.slice(7)}`, {
      headers: { upgrade: 'websocket' },
    });
    expect(byQuery.status).toBe(401);
  });

  it('/admin/events streams the same updates as Server-Sent Events, one per tick', async () => {
    edge = makeEdge();
    await flushNode(edge.store, snapshotOf('node-a', { gauges: { connections: 3 } }));
    await edge.aggregator.aggregator.tick();
    const controller = new AbortController();
    const res = await edge.app.request('/admin/events', { headers: admin, signal: controller.signal });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/event-stream/);
    const reader = res.body!.pipeThrough(new TextDecoderStream()).getReader();
    const events: { type: string; view?: { connections: { total: number } } }[] = [];
    let buffer = '';
    const next = async () => {
      while (!buffer.includes('\n\n')) buffer += (await reader.read()).value ?? '';
      const [frame, ...rest] = buffer.split('\n\n');
      buffer = rest.join('\n\n');
      return frame!;
    };
    expect(await next()).toBe('retry: 2000');
    for (let i = 0; i < 2; i++) events.push(JSON.parse((await next()).slice('data: '.length)));
    expect(events.map((e) => e.type)).toEqual(['hello', 'update']);

    await flushNode(edge.store, snapshotOf('node-a', { gauges: { connections: 5 } }));
    await edge.aggregator.aggregator.tick();
    const update = JSON.parse((await next()).slice('data: '.length));
    expect(update.view.connections.total).toBe(5);
    expect(edge.aggregator.hub.size).toBe(1);
    await reader.cancel();
    expect(edge.aggregator.hub.size).toBe(0);
  });
});
