import { expect, it } from 'vitest';
import { clusterKeys } from '../keys/index.ts';
import { sampleSnapshot } from '../merge/fixtures.ts';
import type { AggregateChanges, ClusterAggregates, RoomShare } from '../schema/aggregates.ts';
import type { StoreHarness } from './contract.ts';
import type { ClusterStore, RoomListQuery } from './port.ts';

const T0 = 1_700_000_000_000;
let seq = 0;
const freshCluster = (label: string) => `aggregates-${label}-${process.pid}-${++seq}`;

const room = (namespace: string, name: string, size: number): RoomShare => ({ namespace, name, size });

/** A flush of `changes` by `nodeId`, with an empty sockets delta. */
function flush(store: ClusterStore, nodeId: string, changes: AggregateChanges, ttlMs = 60_000) {
  return store.flush({
    snapshot: sampleSnapshot({ node: { id: nodeId, cluster: store.cluster, flushedAt: T0 } }),
    sockets: { upsert: [], remove: [] },
    ttlMs,
    aggregates: changes,
  });
}

const whole = (rooms: RoomShare[], users: AggregateChanges['users'] = []): AggregateChanges => ({
  whole: true,
  rooms,
  users,
});
const delta = (rooms: RoomShare[], users: AggregateChanges['users'] = []): AggregateChanges => ({
  whole: false,
  rooms,
  users,
});

async function aggregates(store: ClusterStore): Promise<ClusterAggregates> {
  return (await store.readCluster()).aggregates;
}

/** Every page of a room listing, in order. */
async function allRooms(store: ClusterStore, query: Omit<RoomListQuery, 'cursor'>) {
  const names: string[] = [];
  const totals = new Set<number>();
  let cursor: string | undefined;
  for (let pages = 0; pages < 100; pages++) {
    const page = await store.listRooms({ ...query, cursor });
    totals.add(page.total);
    names.push(...page.items.map((r) => `${r.namespace} ${r.name} ${r.size}`));
    if (!page.nextCursor) return { names, totals: [...totals] };
    cursor = page.nextCursor;
  }
  throw new Error('room listing did not end within 100 pages');
}

/**
 * The cluster-wide aggregates, the same on every adapter: exact distinct users and rooms across
 * nodes, deltas that are idempotent, a node's contribution removed exactly once however it goes,
 * and a whole rewrite after its keys expired. Registered inside `describeStoreContract`.
 */
export function describeAggregateContract(harness: () => StoreHarness): void {
  it('counts distinct users and rooms across nodes: one user on two nodes is one user, a shared room one room', async () => {
    const store = harness().store.forCluster(freshCluster('exact'));
    await flush(
      store,
      'node-a',
      whole(
        [room('/p', 'thread:1', 2), room('/p', 'user:u1', 1)],
        [
          ['u1', 'online'],
          ['u2', 'away'],
        ],
      ),
    );
    await flush(
      store,
      'node-b',
      whole(
        [room('/p', 'thread:1', 3), room('/q', 'thread:1', 1)],
        [
          ['u1', 'away'],
          ['u3', 'online'],
        ],
      ),
    );
    expect(await aggregates(store)).toEqual({
      users: { online: 2, away: 1 },
      rooms: {
        total: 3,
        members: 7,
        byPrefix: { thread: 2, user: 1 },
        byNamespace: { '/p': { rooms: 2, members: 6 }, '/q': { rooms: 1, members: 1 } },
        top: [
          { namespace: '/p', name: 'thread:1', size: 5 },
          { namespace: '/p', name: 'user:u1', size: 1 },
          { namespace: '/q', name: 'thread:1', size: 1 },
        ],
      },
    });
  });

  it('applies deltas of absolute values, so a repeated flush changes nothing', async () => {
    const store = harness().store.forCluster(freshCluster('delta'));
    await flush(
      store,
      'node-a',
      whole([room('/p', 'thread:1', 2), room('/p', 'thread:2', 1)], [['u1', 'online']]),
    );
    await flush(store, 'node-b', whole([room('/p', 'thread:1', 1)], [['u1', 'online']]));
    const change = delta(
      [room('/p', 'thread:1', 4), room('/p', 'thread:2', 0)],
      [
        ['u1', null],
        ['u2', 'away'],
      ],
    );
    await flush(store, 'node-a', change);
    await flush(store, 'node-a', change);
    const after = await aggregates(store);
    expect(after.users).toEqual({ online: 1, away: 1 });
    expect(after.rooms).toMatchObject({ total: 1, members: 5, byPrefix: { thread: 1 } });
    expect(after.rooms.top).toEqual([{ namespace: '/p', name: 'thread:1', size: 5 }]);
  });

  it('rewrites a node whole onto its own contribution: what did not change stays, the rest moves', async () => {
    const store = harness().store.forCluster(freshCluster('rewrite'));
    await flush(store, 'node-b', whole([room('/p', 'thread:1', 1)], [['u1', 'away']]));
    await flush(
      store,
      'node-a',
      whole(
        [room('/p', 'thread:1', 2), room('/p', 'thread:2', 1), room('/q', 'user:u2', 1)],
        [
          ['u1', 'online'],
          ['u2', 'online'],
        ],
      ),
    );
    // Same node, whole again: thread:1 unchanged, thread:2 gone, /q's room moved to /p, u2 now away.
    await flush(
      store,
      'node-a',
      whole(
        [room('/p', 'thread:1', 2), room('/p', 'user:u2', 1)],
        [
          ['u1', 'online'],
          ['u2', 'away'],
        ],
      ),
    );
    expect(await aggregates(store)).toEqual({
      users: { online: 1, away: 1 },
      rooms: {
        total: 2,
        members: 4,
        byPrefix: { thread: 1, user: 1 },
        byNamespace: { '/p': { rooms: 2, members: 4 } },
        top: [
          { namespace: '/p', name: 'thread:1', size: 3 },
          { namespace: '/p', name: 'user:u2', size: 1 },
        ],
      },
    });
    expect((await allRooms(store, { namespace: '/q', limit: 10 })).names).toEqual([]);
  });

  it('takes a room or user listed twice in one flush once, as last listed', async () => {
    const store = harness().store.forCluster(freshCluster('twice'));
    await flush(
      store,
      'node-a',
      whole(
        [room('/p', 'thread:1', 5), room('/p', 'thread:1', 2)],
        [
          ['u1', 'online'],
          ['u1', 'away'],
        ],
      ),
    );
    await flush(
      store,
      'node-a',
      delta(
        [room('/p', 'thread:1', 3), room('/p', 'thread:1', 4)],
        [
          ['u1', null],
          ['u1', 'online'],
        ],
      ),
    );
    const after = await aggregates(store);
    expect(after.users).toEqual({ online: 1, away: 0 });
    expect(after.rooms).toMatchObject({ total: 1, members: 4 });
    expect(after.rooms.top).toEqual([{ namespace: '/p', name: 'thread:1', size: 4 }]);
  });

  it('removes a lost node exactly once, even when two readers find it at the same time', async () => {
    const store = harness().store.forCluster(freshCluster('lost'));
    await flush(store, 'node-a', whole([room('/p', 'thread:1', 2)], [['u1', 'online']]), 150);
    await flush(store, 'node-b', whole([room('/p', 'thread:1', 1)], [['u2', 'online']]));
    await harness().elapse(400);
    const [first, second] = await Promise.all([store.readCluster(), store.readCluster()]);
    for (const read of [first, second, await store.readCluster()]) {
      expect(read.aggregates.users).toEqual({ online: 1, away: 0 });
      expect(read.aggregates.rooms.top).toEqual([{ namespace: '/p', name: 'thread:1', size: 1 }]);
    }
    expect(first.nodes.map((n) => [n.nodeId, n.pulse === null])).toEqual([
      ['node-a', true],
      ['node-b', false],
    ]);
  });

  it('takes out the contribution of a node that leaves, deregisters or is pruned, once', async () => {
    const store = harness().store.forCluster(freshCluster('gone'));
    const shared = [room('/p', 'lobby:1', 1)];
    for (const id of ['node-a', 'node-b', 'node-c', 'node-d']) {
      await flush(store, id, whole(shared, [[`user-${id}`, 'online']]));
    }
    await store.leave({
      snapshot: sampleSnapshot({ node: { id: 'node-a', cluster: store.cluster } }),
      ttlMs: 60_000,
    });
    await store.deregister('node-b');
    await store.deregister('node-b');
    await store.pruneNodes(T0 + 1);
    expect(await aggregates(store)).toEqual({
      users: { online: 0, away: 0 },
      rooms: { total: 0, members: 0, byPrefix: {}, byNamespace: {}, top: [] },
    });
    await flush(store, 'node-e', whole(shared, [['u9', 'online']]));
    expect((await aggregates(store)).rooms.top).toEqual([{ namespace: '/p', name: 'lobby:1', size: 1 }]);
  });

  it('refuses a delta onto expired keys (reports expired) and rebuilds from a whole flush', async () => {
    const store = harness().store.forCluster(freshCluster('rebuild'));
    await flush(
      store,
      'node-a',
      whole([room('/p', 'thread:1', 2), room('/p', 'thread:2', 2)], [['u1', 'online']]),
      150,
    );
    await flush(store, 'node-b', whole([room('/p', 'thread:1', 1)]));
    await harness().elapse(400);
    // No reader ran in between: the node itself finds its keys gone and drops what was left.
    expect(await flush(store, 'node-a', delta([room('/p', 'thread:3', 1)]))).toEqual({ expired: true });
    const dropped = await aggregates(store);
    expect(dropped.rooms.top).toEqual([{ namespace: '/p', name: 'thread:1', size: 1 }]);
    expect(dropped.users.online).toBe(0);
    await flush(
      store,
      'node-a',
      whole([room('/p', 'thread:1', 2), room('/p', 'thread:3', 1)], [['u1', 'online']]),
    );
    const rebuilt = await aggregates(store);
    expect(rebuilt.rooms).toMatchObject({ total: 2, members: 4 });
    expect(rebuilt.users.online).toBe(1);
  });

  it('takes a whole flush of a large node (50,000 users and their rooms)', async () => {
    const store = harness().store.forCluster(freshCluster('large'));
    const count = 50_000;
    const rooms = Array.from({ length: count }, (_, i) => room('/p', `user:u${i}`, 1));
    const users = Array.from({ length: count }, (_, i): [string, 'online'] => [`u${i}`, 'online']);
    await flush(store, 'node-a', whole(rooms, users));
    const read = await aggregates(store);
    expect(read.users).toEqual({ online: count, away: 0 });
    expect(read.rooms).toMatchObject({ total: count, members: count, byPrefix: { user: count } });
    // And when it leaves, every one of its rooms and users goes with it (Redis: in chunks).
    await store.leave({
      snapshot: sampleSnapshot({ node: { id: 'node-a', cluster: store.cluster, flushedAt: T0 } }),
      ttlMs: 60_000,
    });
    const left = await aggregates(store);
    expect(left.users).toEqual({ online: 0, away: 0 });
    expect(left.rooms).toMatchObject({ total: 0, members: 0, top: [] });
  }, 60_000);

  it('pages rooms largest first, by namespace, and by name prefix, with totals', async () => {
    const store = harness().store.forCluster(freshCluster('pages'));
    const rooms = [
      room('/p', 'thread:t1', 5),
      room('/p', 'thread:t2', 3),
      room('/p', 'thread:t10', 3),
      room('/p', 'user:u1', 1),
      room('/q', 'thread:t1', 4),
      room('/q', 'threads', 2),
    ];
    await flush(store, 'node-a', whole(rooms));
    expect(await allRooms(store, { limit: 2 })).toEqual({
      names: [
        '/p thread:t1 5',
        '/q thread:t1 4',
        '/p thread:t10 3',
        '/p thread:t2 3',
        '/q threads 2',
        '/p user:u1 1',
      ],
      totals: [6],
    });
    expect(await allRooms(store, { namespace: '/q', limit: 1 })).toEqual({
      names: ['/q thread:t1 4', '/q threads 2'],
      totals: [2],
    });
    expect(await allRooms(store, { prefix: 'thread:', limit: 2 })).toEqual({
      names: ['/p thread:t1 5', '/q thread:t1 4', '/p thread:t10 3', '/p thread:t2 3'],
      totals: [4],
    });
    expect(await allRooms(store, { prefix: 'thread:t1', namespace: '/p', limit: 5 })).toEqual({
      names: ['/p thread:t1 5', '/p thread:t10 3'],
      totals: [2],
    });
    expect((await store.listRooms({ prefix: 'nothing:', limit: 5 })).items).toEqual([]);
    await expect(store.listRooms({ cursor: 'not-a-cursor', limit: 5 })).rejects.toMatchObject({
      name: 'InvalidCursorError',
    });
  });

  it('keeps the aggregate keys under the cluster tag, the contribution with a TTL', async () => {
    const cluster = freshCluster('keys');
    const store = harness().store.forCluster(cluster);
    await flush(store, 'node-a', whole([room('/p', 'thread:1', 1)], [['u1', 'online']]));
    const keys = clusterKeys(cluster);
    for (const key of [keys.nodeRooms('node-a'), keys.nodeUsers('node-a')]) {
      expect(key.startsWith(`telltale:{${cluster}}:`)).toBe(true);
      const ttl = await harness().pttl(key);
      if (ttl !== -2) expect(ttl).toBeGreaterThan(60_000);
    }
  });
}
