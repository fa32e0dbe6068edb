/**
 * The edge against a real cluster: two socket-node processes (socket-node/src/main.ts under tsx) flushing
 * into a private redis-server every 300 ms, the edge on a real HTTP port reading the same Redis,
 * real socket.io clients, a real WebSocket client on the live feed. Edge and nodes share a
 * COMMAND_SIGNING_KEY, so every command below is signed by the edge and verified by a node.
 */
import type { ClusterView, CommandResult, HealthReport } from '@telltale/shared';
import { createIoredisStore } from '@telltale/shared/store/ioredis';
import type { Socket } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { eventually } from '../../../socket-node/test/support/clients.ts';
import { type NodeProcess, spawnNode } from '../../../socket-node/test/support/node.ts';
import { type RedisProcess, startRedis } from '../../../test/support/redis.ts';
import { type RunningEdge, startEdgeServer } from '../../src/node/server.ts';
import { connectClient } from '../cluster-clients.ts';
import { ADMIN_TOKEN, edgeConfig, JWT_SECRET, quietLogger } from '../harness.ts';

const FLUSH_MS = 300;
const auth = { authorization: `Bearer ${ADMIN_TOKEN}` };
const COMMAND_SIGNING_KEY = 'edge-and-nodes-share-this-signing-key';

type NamedNode = NodeProcess & { id: string };

let redis: RedisProcess;
let store: ReturnType<typeof createIoredisStore>;
let edge: RunningEdge;
const nodes: NamedNode[] = [];
const clients: Socket[] = [];
/** By user: clients connect concurrently, so their order in `clients` is not fixed. */
const clientOf = new Map<string, Socket>();

/** Polls `probe` until it gives a value (the shared `eventually`, with the name first). */
const waitFor = <T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 8000) =>
  eventually(probe, timeoutMs, what);

async function startNode(id: string): Promise<NamedNode> {
  const env = {
    NODE_ID: id,
    CLUSTER_ID: 'default',
    REDIS_URL: redis.url,
    FLUSH_INTERVAL_MS: String(FLUSH_MS),
    JWT_SECRET,
    COMMAND_SIGNING_KEY,
    SHUTDOWN_TIMEOUT_MS: '2000',
  };
  return { id, ...(await spawnNode(env, { timeoutMs: 45_000 })) };
}

async function customer(node: NodeProcess, userId: string): Promise<Socket> {
  const socket = await connectClient(`${node.url}/portal`, JWT_SECRET, { sub: userId, role: 'client' });
  clients.push(socket);
  clientOf.set(userId, socket);
  return socket;
}

const getJson = async <T>(
  path: string,
  headers: Record<string, string> = {},
): Promise<{ status: number; body: T }> => {
  const res = await fetch(`${edge.url}${path}`, { headers });
  return { status: res.status, body: (await res.json()) as T };
};

beforeAll(async () => {
  redis = await startRedis();
  nodes.push(...(await Promise.all([startNode('node-1'), startNode('node-2')])));
  store = createIoredisStore(redis.url);
  edge = await startEdgeServer({
    config: edgeConfig({
      PORT: '0',
      REDIS_URL: redis.url,
      FLUSH_INTERVAL_MS: String(FLUSH_MS),
      TICK_INTERVAL_MS: String(FLUSH_MS),
      COMMAND_TIMEOUT_MS: '1500',
      COMMAND_SIGNING_KEY,
      EXPECTED_NODES: '1',
    }),
    store,
    logger: quietLogger,
  });
}, 120_000);

afterAll(async () => {
  for (const socket of clients) socket.disconnect();
  await edge?.close();
  await store?.close();
  await Promise.all(
    nodes.map(
      (n) =>
        new Promise<void>((resolve) => {
          if (n.child.exitCode !== null || n.child.signalCode !== null) return resolve();
          n.child.once('exit', () => resolve());
          n.child.kill('SIGKILL');
        }),
    ),
  );
  await redis?.stop();
});

describe('edge over a real two-node cluster', () => {
  it('counts exactly the clients connected once the nodes have flushed', async () => {
    const [one, two] = nodes as [NamedNode, NamedNode];
    await Promise.all([
      customer(one, 'alice'),
      customer(one, 'bob'),
      customer(one, 'carol'),
      customer(two, 'dave'),
      customer(two, 'erin'),
    ]);
    const view = await waitFor('/metrics to count 5 connections', async () => {
      const { body } = await getJson<ClusterView>('/metrics');
      return body.connections.total === 5 ? body : undefined;
    });
    expect(view.connections.portal).toBe(5);
    expect(view.nodes.live).toBe(2);
    const perNode = Object.fromEntries(view.nodes.list.map((n) => [n.id, n.connections]));
    expect(perNode).toEqual({ 'node-1': 3, 'node-2': 2 });
  });

  it('routes a disconnect to the owning node, which acks, and the client is really disconnected', async () => {
    const target = clientOf.get('dave')!; // on node-2
    const socketId = target.id!;
    await waitFor('the socket to reach the store', async () => {
      const { body } = await getJson<{ items: { id: string }[] }>(
        `/admin/connections?search=${socketId}`,
        auth,
      );
      return body.items.some((s) => s.id === socketId) ? true : undefined;
    });
    const disconnected = new Promise<string>((resolve) =>
      target.once('disconnect', (reason) => resolve(reason)),
    );

    const res = await fetch(`${edge.url}/admin/disconnect/${socketId}`, { method: 'POST', headers: auth });
    expect(res.status).toBe(200);
    const result = (await res.json()) as CommandResult;
    expect(result).toMatchObject({
      targeted: ['node-2'],
      acked: ['node-2'],
      missing: [],
      affected: 1,
      complete: true,
    });
    expect(await disconnected).toBe('io server disconnect');
    expect(result.durationMs).toBeLessThan(1500);
    // Written after the answer, without making it wait: it still lands.
    const audit = await waitFor('the disconnect in the audit trail', async () => {
      const { body } = await getJson<{ items: { id: string; target: string }[] }>('/admin/commands', auth);
      return body.items.find((entry) => entry.id === result.commandId);
    });
    expect(audit.target).toBe('node-2');
  });

  it('pushes one live-feed update per tick over /admin/ws', async () => {
    const ws = new WebSocket(`${edge.url.replace('http', 'ws')}/admin/ws`, { headers: auth });
    const updates: { at: number; view: ClusterView | null }[] = [];
    ws.on('message', (data) => {
      const message = JSON.parse(String(data)) as { type: string; at: number; view: ClusterView | null };
      if (message.type === 'update') updates.push(message);
    });
    await new Promise((resolve, reject) => {
      ws.once('open', resolve);
      ws.once('error', reject);
    });
    await waitFor('six updates', async () => (updates.length >= 6 ? true : undefined), 5000);
    ws.close();
    const ticks = updates.slice(1).map((u) => u.at);
    const gaps = ticks.slice(1).map((t, i) => t - ticks[i]!);
    // One update per 300 ms tick: no tick skipped, none doubled.
    for (const gap of gaps) {
      expect(gap).toBeGreaterThan(FLUSH_MS * 0.5);
      expect(gap).toBeLessThan(FLUSH_MS * 2);
    }
    expect(updates.at(-1)!.view?.nodes.live).toBe(2);
  });

  it('turns /health to warn when a node is killed, and drops it from the live set within its TTL', async () => {
    const { body: before } = await getJson<HealthReport>('/health');
    expect(before.status).toBe('pass');
    const victim = nodes[1]!;
    const killedAt = Date.now();
    victim.child.kill('SIGKILL');

    const lost = await waitFor('node-2 to be reported lost', async () => {
      const { body } = await getJson<{ nodes: { id: string; state: string }[] }>('/admin/nodes', auth);
      return body.nodes.find((n) => n.id === 'node-2' && n.state === 'lost');
    });
    const elapsed = Date.now() - killedAt;
    expect(lost.state).toBe('lost');
    // TTL is 3 flush intervals; allow one tick and one flush of slack on top.
    expect(elapsed).toBeLessThan(3 * FLUSH_MS + 2 * FLUSH_MS + 1000);

    const { status, body: health } = await getJson<HealthReport>('/health');
    expect(status).toBe(200);
    expect(health.status).toBe('warn');
    const { body: view } = await getJson<ClusterView>('/metrics');
    expect(view.nodes.live).toBe(1);
    expect(view.connections.total).toBe(3);
  });
});
