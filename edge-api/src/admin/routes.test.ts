import type { SocketRecord } from '@telltale/shared';
import { afterEach, describe, expect, it } from 'vitest';
import {
  admin,
  type Edge,
  flushNode,
  json,
  makeEdge,
  roomsAndUsers,
  snapshotOf,
  socketOf,
} from '../../test/harness.ts';

let edge: Edge;
afterEach(() => edge?.stop());

describe('GET /admin/nodes', () => {
  it('lists every node with its state, version and last flush', async () => {
    edge = makeEdge({ env: { EXPECTED_NODES: '2' } });
    await flushNode(edge.store, snapshotOf('node-a'));
    await flushNode(
      edge.store,
      snapshotOf('node-b', { node: { flushedAt: Date.now() - 5_000, version: '0.2.0' } }),
    );
    await edge.aggregator.aggregator.tick();
    const res = await edge.app.request('/admin/nodes', { headers: admin });
    expect(res.status).toBe(200);
    const body = await json(res);
    expect(body.expected).toBe(2);
    expect(body.counts).toEqual({ live: 1, stale: 1, lost: 0, invalid: 0 });
    const list = body.nodes as { id: string; state: string; version: string; lastFlushAt: number }[];
    expect(list.map((n) => [n.id, n.state, n.version])).toEqual([
      ['node-a', 'live', '0.1.0'],
      ['node-b', 'stale', '0.2.0'],
    ]);
    // Counters by label come from the nodes' snapshots, read for this request: a tick reads pulses.
    const counters = (body.nodes as { counters: { eventsInByType: Record<string, number> } | null }[]).map(
      (n) => n.counters?.eventsInByType,
    );
    expect(counters).toEqual([expect.any(Object), expect.any(Object)]);
  });

  it('needs admin auth', async () => {
    edge = makeEdge();
    expect((await edge.app.request('/admin/nodes')).status).toBe(401);
  });
});

describe('GET /admin/connections', () => {
  async function withSockets(): Promise<void> {
    edge = makeEdge();
    const a: SocketRecord[] = Array.from({ length: 7 }, (_, i) =>
      socketOf(`a-${i}`, 'node-a', { userId: `u${i % 3}`, roomNames: [`user:u${i % 3}`, 'thread:9'] }),
    );
    const b: SocketRecord[] = Array.from({ length: 5 }, (_, i) =>
      socketOf(`b-${i}`, 'node-b', { namespace: '/hub', userId: `staff${i}`, roomNames: [] }),
    );
    await flushNode(edge.store, snapshotOf('node-a'), a);
    await flushNode(edge.store, snapshotOf('node-b'), b);
  }

  it('walks every socket of the cluster page by page with cursors', async () => {
    await withSockets();
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const query: string = cursor ? `?limit=5&cursor=${encodeURIComponent(cursor)}` : '?limit=5';
      const res = await edge.app.request(`/admin/connections${query}`, { headers: admin });
      expect(res.status).toBe(200);
      const page = (await res.json()) as { items: SocketRecord[]; nextCursor: string | null };
      expect(page.items.length).toBeLessThanOrEqual(5);
      seen.push(...page.items.map((s) => s.id));
      cursor = page.nextCursor;
    } while (cursor);
    expect(seen.sort()).toEqual(
      [
        ...Array.from({ length: 7 }, (_, i) => `a-${i}`),
        ...Array.from({ length: 5 }, (_, i) => `b-${i}`),
      ].sort(),
    );
  });

  it('filters by node, namespace, user, room and search', async () => {
    await withSockets();
    const ids = async (query: string) => {
      const page = await json(await edge.app.request(`/admin/connections?${query}`, { headers: admin }));
      return (page.items as SocketRecord[]).map((s) => s.id).sort();
    };
    expect(await ids('node=node-b')).toHaveLength(5);
    expect(await ids('namespace=/hub')).toHaveLength(5);
    expect(await ids('user=u1')).toEqual(['a-1', 'a-4']);
    expect(await ids('room=thread:9')).toHaveLength(7);
    expect(await ids('search=staff3')).toEqual(['b-3']);
  });

  it('bounds the page size and rejects bad cursors', async () => {
    await withSockets();
    const big = await edge.app.request('/admin/connections?limit=501', { headers: admin });
    expect(big.status).toBe(400);
    expect((await json(big)).detail).toBe('query.limit: limit must be at most 500');
    const bad = await edge.app.request('/admin/connections?cursor=not-a-cursor', { headers: admin });
    expect(bad.status).toBe(400);
    expect(bad.headers.get('content-type')).toBe('application/problem+json');
  });
});

describe('GET /admin/rooms', () => {
  it('pages the cluster-wide rooms largest first, sizes summed across nodes, with totals and filters', async () => {
    edge = makeEdge();
    const threads = Array.from({ length: 30 }, (_, i): [string, string, number] => [
      '/portal',
      `thread:${i}`,
      30 - i,
    ]);
    await flushNode(edge.store, snapshotOf('node-a'), [], 30_000, roomsAndUsers(threads));
    await flushNode(
      edge.store,
      snapshotOf('node-b'),
      [],
      30_000,
      roomsAndUsers([
        ['/portal', 'thread:29', 100],
        ['/portal', 'user:x', 1],
        ['/hub', 'thread:1', 2],
      ]),
    );

    const first = await json(await edge.app.request('/admin/rooms?limit=10', { headers: admin }));
    const items = first.items as { namespace: string; name: string; size: number }[];
    expect(items[0]).toEqual({ namespace: '/portal', name: 'thread:29', size: 101 });
    expect(first.total).toBe(32);
    const rest: { namespace: string; name: string }[] = [];
    let cursor = first.nextCursor as string | null;
    while (cursor) {
      const page = await json(
        await edge.app.request(`/admin/rooms?limit=10&cursor=${cursor}`, { headers: admin }),
      );
      expect(page.total).toBe(32);
      rest.push(...(page.items as { namespace: string; name: string }[]));
      cursor = page.nextCursor as string | null;
    }
    expect(new Set([...items, ...rest].map((r) => `${r.namespace} ${r.name}`)).size).toBe(32);

    const users = await json(await edge.app.request('/admin/rooms?prefix=user:', { headers: admin }));
    expect(users).toEqual({
      items: [{ namespace: '/portal', name: 'user:x', size: 1 }],
      total: 1,
      nextCursor: null,
    });
    const one = await json(
      await edge.app.request('/admin/rooms?prefix=thread:1&limit=3', { headers: admin }),
    );
    expect(one.total).toBe(12);
    expect(one.items).toEqual([
      { namespace: '/hub', name: 'thread:1', size: 2 },
      { namespace: '/portal', name: 'thread:1', size: 29 },
      { namespace: '/portal', name: 'thread:10', size: 20 },
    ]);
    const hub = await json(await edge.app.request('/admin/rooms?namespace=/hub', { headers: admin }));
    expect(hub).toMatchObject({ total: 1, items: [{ namespace: '/hub', name: 'thread:1', size: 2 }] });

    const bad = await edge.app.request('/admin/rooms?cursor=%%%', { headers: admin });
    expect(bad.status).toBe(400);
    expect(bad.headers.get('content-type')).toBe('application/problem+json');
    expect((await edge.app.request('/admin/rooms?limit=0', { headers: admin })).status).toBe(400);
  });
});

describe('GET /admin/rooms/members', () => {
  it("pages a room's sockets across nodes, only that namespace's", async () => {
    edge = makeEdge();
    const member = (id: string, node: string, namespace = '/portal') =>
      socketOf(id, node, { namespace, userId: `user-${id}`, roomNames: ['thread:7'] });
    await flushNode(edge.store, snapshotOf('node-a'), [member('a1', 'node-a'), member('a2', 'node-a')]);
    await flushNode(edge.store, snapshotOf('node-b'), [
      member('b1', 'node-b'),
      member('b2', 'node-b', '/hub'),
    ]);
    const ids: string[] = [];
    let cursor: string | null = null;
    do {
      const query = `namespace=/portal&room=thread:7&limit=2${cursor ? `&cursor=${cursor}` : ''}`;
      const page = await json(await edge.app.request(`/admin/rooms/members?${query}`, { headers: admin }));
      ids.push(...(page.items as { id: string }[]).map((s) => s.id));
      cursor = page.nextCursor as string | null;
    } while (cursor);
    expect(ids.sort()).toEqual(['a1', 'a2', 'b1']);
    const missing = await edge.app.request('/admin/rooms/members?room=thread:7', { headers: admin });
    expect(missing.status).toBe(400);
    expect((await json(missing)).detail).toMatch(/namespace/);
  });
});
