import { isDeepStrictEqual } from 'node:util';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type ClientSpec, Cluster, measure, since, type TestClient, waitFor } from './harness/index.ts';
import { expectEdgeMatches } from './truth.ts';

const FLUSH_MS = 500;
const TTL_MS = 3 * FLUSH_MS;

/**
 * 12 users over 36 connections, each user on /hub and /portal and usually on two or three nodes:
 * one user is one user, a room on two nodes one room whose size is the sum.
 */
function specs(): ClientSpec[] {
  return Array.from({ length: 36 }, (_, i): ClientSpec => {
    const user = `agg-user-${i % 12}`;
    return i % 2 === 0
      ? { user, role: 'attendant', namespace: '/hub' }
      : { user, role: 'client', namespace: '/portal' };
  });
}

/**
 * The rooms the reference app puts connected clients in (`user:<id>` per namespace, and
 * `presence:attendants` on /hub), with their sizes: the truth `/admin/rooms` must equal.
 */
function roomTruth(clients: readonly TestClient[]): string[] {
  const sizes = new Map<string, number>();
  const add = (key: string) => sizes.set(key, (sizes.get(key) ?? 0) + 1);
  for (const client of clients) {
    if (!client.connected) continue;
    add(`${client.spec.namespace} user:${client.spec.user}`);
    if (client.spec.namespace === '/hub') add('/hub presence:attendants');
  }
  return [...sizes].map(([key, size]) => `${key} ${size}`).sort();
}

async function edgeRooms(cluster: Cluster): Promise<{ rooms: string[]; total: number }> {
  const rooms: string[] = [];
  let total = -1;
  let cursor: string | null = null;
  do {
    const answer = await cluster.edge.admin(
      'GET',
      `/admin/rooms?limit=500${cursor ? `&cursor=${cursor}` : ''}`,
    );
    if (answer.status !== 200) throw new Error(`/admin/rooms answered ${answer.status}: ${answer.text}`);
    const page = answer.json as {
      items: { namespace: string; name: string; size: number }[];
      total: number;
      nextCursor: string | null;
    };
    total = page.total;
    rooms.push(...page.items.map((r) => `${r.namespace} ${r.name} ${r.size}`));
    cursor = page.nextCursor;
  } while (cursor);
  return { rooms: rooms.sort(), total };
}

async function expectRoomsMatch(cluster: Cluster, clients: readonly TestClient[], timeoutMs: number) {
  let seen: { rooms: string[]; total: number } = { rooms: [], total: -1 };
  try {
    await waitFor(
      async () => {
        seen = await edgeRooms(cluster);
        return isDeepStrictEqual(seen.rooms, roomTruth(clients));
      },
      { timeoutMs, what: 'edge rooms equal to the clients', intervalMs: 100 },
    );
  } catch {
    // The precise assertion below names the difference.
  }
  const truth = roomTruth(clients);
  expect(seen.rooms).toEqual(truth);
  expect(seen.total).toBe(truth.length);
  const view = await cluster.edge.metrics();
  expect(view.rooms.total).toBe(truth.length);
  expect(view.rooms.approximate).toBe(false);
}

describe('cluster-wide aggregates behind HAProxy: exact, and exact again after kill -9 and a Redis restart', () => {
  let cluster: Cluster;
  beforeAll(async () => {
    cluster = await Cluster.start({ flushIntervalMs: FLUSH_MS, expectedNodes: 2 });
  });
  afterEach(async () => {
    await cluster?.clients.closeAll();
  });
  afterAll(async () => {
    await cluster?.stop();
  });

  it('counts distinct users and rooms with summed sizes, and drops a killed node exactly', async () => {
    const clients = await cluster.clients.connectMany(specs(), 12);
    const rows = await expectEdgeMatches(cluster, clients);
    // The population really spans nodes: the same user on more than one.
    const nodesOf = new Map<string, Set<string>>();
    for (const row of rows)
      nodesOf.set(row.userId ?? '', (nodesOf.get(row.userId ?? '') ?? new Set()).add(row.nodeId));
    expect([...nodesOf.values()].some((nodes) => nodes.size > 1)).toBe(true);
    await expectRoomsMatch(cluster, clients, 10_000);

    const victim = rows[0]!.nodeId;
    const started = performance.now();
    await cluster.node(victim).kill();
    await waitFor(() => clients.every((c) => c.connected), {
      timeoutMs: 10_000,
      what: `every client of ${victim} reconnected through the LB`,
    });
    // Its clients are back on other nodes: the totals are exact only once its share is gone.
    await expectEdgeMatches(cluster, clients, { timeoutMs: TTL_MS + 10_000 });
    await expectRoomsMatch(cluster, clients, TTL_MS + 10_000);
    const exactMs = since(started);
    measure('aggregates', 'kill -9 to users and rooms exact again ms (TTL 1500)', exactMs);
    await cluster.node(victim).start();
    await cluster.waitForLiveNodes(3);
  });

  it('rebuilds users and rooms whole after Redis restarts empty', async () => {
    const clients = await cluster.clients.connectMany(specs(), 12);
    await expectEdgeMatches(cluster, clients);
    await expectRoomsMatch(cluster, clients, 10_000);
    const started = performance.now();
    await cluster.redis.restart();
    await expectEdgeMatches(cluster, clients, { timeoutMs: 15_000 });
    await expectRoomsMatch(cluster, clients, 15_000);
    measure(
      'aggregates',
      'Redis restarted empty to users and rooms exact again ms (interval 500)',
      since(started),
    );
  });
});
