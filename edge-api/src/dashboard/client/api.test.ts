import { type AddressInfo, createServer } from 'node:net';
import { serve } from '@hono/node-server';
import { afterEach, describe, expect, it } from 'vitest';
import { ADMIN_TOKEN, type Edge, makeEdge } from '../../../test/harness.ts';
import { ApiError, createApi, pathParam } from './api.ts';

let edge: Edge | undefined;
let close: (() => Promise<void>) | undefined;
afterEach(async () => {
  await close?.();
  await edge?.stop();
  close = edge = undefined;
});

/** The real app over real HTTP, the way the browser reaches it. */
async function servedEdge(env: Record<string, string> = {}): Promise<string> {
  edge = makeEdge({ env });
  const app = edge.app;
  const server = await new Promise<ReturnType<typeof serve>>((resolve) => {
    const s = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }, () => resolve(s));
  });
  close = () => new Promise((resolve) => server.close(() => resolve()));
  const { port } = server.address() as AddressInfo;
  return `http://127.0.0.1:${port}`;
}

function tokens(...answers: string[]) {
  const rejected: string[] = [];
  return {
    rejected,
    get: async () => answers[0] ?? '',
    reject: async (reason: string) => {
      rejected.push(reason);
      answers.shift();
      return answers[0] ?? '';
    },
  };
}

describe('the dashboard API client (hc, typed from the app)', () => {
  it('reads a typed answer, asking again for a token the edge refused', async () => {
    const base = await servedEdge();
    const store = tokens('wrong-token', ADMIN_TOKEN);
    const api = createApi(base, store);
    const page = await api.read(
      api.client.admin.connections.$get({ query: { limit: '5' } }),
      'GET connections',
    );
    expect(page).toEqual({ items: [], nextCursor: null });
    expect(store.rejected).toEqual(['The edge API refused that token (HTTP 401). Try again.']);
  });

  it('takes a 403 as the answer (a viewer acting) instead of asking for another token', async () => {
    const base = await servedEdge({ VIEWER_TOKEN: 'viewer-token-0123456789' });
    const store = tokens('viewer-token-0123456789');
    const api = createApi(base, store);
    const call = api.read(
      api.client.admin.users[':userId'].disconnect.$post({ param: { userId: 'u1' } }),
      'POST disconnect user',
    );
    await expect(call).rejects.toMatchObject({
      status: 403,
      message: expect.stringMatching(/needs role 'admin'/),
    });
    expect(store.rejected).toEqual([]);
  });

  it('sends path parameters through to the route whole', async () => {
    const base = await servedEdge();
    const api = createApi(base, tokens(ADMIN_TOKEN));
    const call = api.read(
      api.client.admin.users[':userId'].disconnect.$post({ param: { userId: pathParam('team:a@b.c') } }),
      'POST disconnect user',
    );
    await expect(call).rejects.toThrow(
      new ApiError("POST disconnect user: HTTP 404: no live node to hold sockets of user 'team:a@b.c'", 404),
    );
  });

  it('turns a problem+json answer into an ApiError with its status and detail', async () => {
    const base = await servedEdge();
    const api = createApi(base, tokens(ADMIN_TOKEN));
    const error = await api
      .read(api.client.admin.connections.$get({ query: { limit: '0' } }), 'GET connections')
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ApiError);
    expect((error as ApiError).status).toBe(400);
    expect((error as ApiError).message).toMatch(/^GET connections: HTTP 400: /);
  });

  it('says so when the answer is not JSON', async () => {
    const server = createServer((socket) => {
      socket.on('data', () =>
        socket.end('HTTP/1.1 502 Bad Gateway\r\nconnection: close\r\ncontent-length: 3\r\n\r\nbad', () =>
          socket.destroy(),
        ),
      );
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    close = () => new Promise((resolve) => server.close(() => resolve()));
    const { port } = server.address() as AddressInfo;
    const api = createApi(`http://127.0.0.1:${port}`, tokens(ADMIN_TOKEN));
    await expect(api.read(api.client.admin.alerts.$get(), 'GET alerts')).rejects.toThrow(
      'GET alerts: HTTP 502, answer is not JSON',
    );
  });
});
