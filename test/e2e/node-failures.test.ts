import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { NodeSummary } from '../../shared/src/index.ts';
import { type ClientSpec, Cluster, measure, since, type TestClient, waitFor } from './harness/index.ts';
import { expectEdgeMatches } from './truth.ts';

const FLUSH_MS = 500;
/** The snapshot hash lives 3 intervals; the edge notices on its next tick. */
const TTL_MS = 3 * FLUSH_MS;

/** Both scenarios use the same users, as a real population would: presence stays one per user. */
function specs(prefix: string, count: number): ClientSpec[] {
  return Array.from({ length: count }, (_, i) =>
    i % 3 === 0
      ? { user: `${prefix}-agent-${i}`, role: 'attendant', namespace: '/hub' }
      : { user: `${prefix}-customer-${i}`, role: 'client', namespace: '/portal' },
  );
}

/** Polls /admin/nodes in the background and remembers every state each node was ever in. */
function watchNodeStates(cluster: Cluster): { states: Map<string, Set<string>>; stop(): Promise<void> } {
  const states = new Map<string, Set<string>>();
  let running = true;
  const loop = (async () => {
    while (running) {
      try {
        for (const node of await cluster.edge.nodes()) {
          if (!states.has(node.id)) states.set(node.id, new Set());
          states.get(node.id)!.add(node.state);
        }
      } catch {
        // The edge answering is scenario 4's concern; here only states matter.
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  })();
  return {
    states,
    async stop() {
      running = false;
      await loop;
    },
  };
}

async function nodeOfEachClient(
  cluster: Cluster,
  clients: readonly TestClient[],
): Promise<Map<TestClient, string>> {
  const rows = await cluster.edge.connections();
  const byId = new Map(rows.map((r) => [r.id, r.nodeId]));
  return new Map(clients.map((c) => [c, byId.get(c.id ?? '') ?? 'unknown']));
}

describe('node failures behind HAProxy (EXPECTED_NODES=2: the cluster tolerates one node down)', () => {
  let cluster: Cluster;
  beforeAll(async () => {
    cluster = await Cluster.start({ flushIntervalMs: FLUSH_MS, expectedNodes: 2 });
  });
  afterEach(async () => {
    // A failed scenario must not leave its clients to the next one.
    await cluster?.clients.closeAll();
  });
  afterAll(async () => {
    await cluster?.stop();
  });

  it('scenario 5: SIGTERM drains a node with no lost client and no lost node', async () => {
    const clients = await cluster.clients.connectMany(specs('user', 30), 15);
    await expectEdgeMatches(cluster, clients);
    const onB = [...(await nodeOfEachClient(cluster, clients))]
      .filter(([, n]) => n === 'node-b')
      .map(([c]) => c);
    expect(onB.length).toBeGreaterThan(0);
    const watcher = watchNodeStates(cluster);

    const node = cluster.node('node-b');
    const started = performance.now();
    const exit = await node.terminate();
    const drainMs = since(started);
    expect(exit, node.process.tail()).toEqual({ code: 0, signal: null });

    await waitFor(() => clients.every((c) => c.connected && c.transport === 'websocket'), {
      timeoutMs: 10_000,
      what: 'every client of node-b back on another node',
    });
    const backMs = since(started);
    for (const client of onB) expect(client.connects, client.spec.user).toBe(2);
    await expectEdgeMatches(cluster, clients);
    const moved = await nodeOfEachClient(cluster, onB);
    expect([...moved.values()].every((n) => n === 'node-a' || n === 'node-c')).toBe(true);

    // The drained node flushed once more with no sockets (the LB had moved them) before it
    // deregistered, so the counts can match while the view still lists it at zero: the next tick
    // drops it.
    await waitFor(async () => (await cluster.edge.nodes()).every((n) => n.id !== 'node-b'), {
      timeoutMs: 4 * FLUSH_MS + 2000,
      what: 'node-b gone from /admin/nodes after deregistering',
    });
    const goneMs = since(started);
    const health = await cluster.edge.health();
    await watcher.stop();
    expect(watcher.states.get('node-b')?.has('lost'), 'node-b was never reported lost').toBe(false);
    expect(health.report.status).toBe('pass');
    expect((await cluster.edge.nodes()).map((n) => n.id).sort()).toEqual(['node-a', 'node-c']);
    measure('5 graceful restart', 'SIGTERM to node gone from the view ms', goneMs);
    measure('5 graceful restart', `SIGTERM to exit ms (${onB.length} clients on the node)`, drainMs);
    measure('5 graceful restart', 'SIGTERM to every client reconnected ms', backMs);

    // Back in service: the LB sends it new sessions again.
    await node.start();
    await cluster.waitForLiveNodes(3);
    await cluster.clients.closeAll();
  });

  it('scenario 4: kill -9 — clients move, the node leaves the live set within its TTL, is lost, then replaced', async () => {
    const clients = await cluster.clients.connectMany(specs('user', 30), 15);
    await expectEdgeMatches(cluster, clients);
    const onC = [...(await nodeOfEachClient(cluster, clients))]
      .filter(([, n]) => n === 'node-c')
      .map(([c]) => c);
    expect(onC.length).toBeGreaterThan(0);
    const node = cluster.node('node-c');
    const lastFlushBefore = (await cluster.edge.nodes()).find((n) => n.id === 'node-c')?.lastFlushAt ?? 0;

    const started = performance.now();
    const killedAt = Date.now();
    await node.kill();

    await waitFor(() => clients.every((c) => c.connected && c.transport === 'websocket'), {
      timeoutMs: 10_000,
      what: 'every client of node-c reconnected through the LB',
    });
    const reconnectMs = since(started);

    let seen: NodeSummary | undefined;
    await waitFor(
      async () => {
        seen = (await cluster.edge.nodes()).find((n) => n.id === 'node-c');
        return seen?.state === 'lost';
      },
      { timeoutMs: TTL_MS + 5000, what: 'node-c reported lost' },
    );
    const lostMs = since(started);
    const metrics = await cluster.edge.metrics();
    expect(metrics.nodes.live).toBe(2);
    // Within its TTL of its last flush, plus one edge tick to notice.
    expect(Date.now() - Math.max(lastFlushBefore, killedAt - FLUSH_MS)).toBeLessThan(
      TTL_MS + 2 * FLUSH_MS + 2000,
    );

    const warned = await cluster.edge.health();
    expect(warned.status).toBe(200);
    expect(warned.report.status).toBe('warn');
    expect(warned.report.output).toContain('node-c');

    await expectEdgeMatches(cluster, clients);
    const convergedMs = since(started);

    // Replaced: the same node id comes back and the cluster is whole again.
    await node.start();
    await waitFor(async () => (await cluster.edge.health()).report.status === 'pass', {
      timeoutMs: 10_000,
      what: '/health passes once node-c is replaced',
    });
    const passMs = since(started);
    expect((await cluster.edge.nodes()).find((n) => n.id === 'node-c')?.state).toBe('live');

    measure('4 kill -9', `clients on the killed node`, onC.length);
    measure('4 kill -9', 'kill to every client reconnected ms', reconnectMs);
    measure('4 kill -9', 'kill to node reported lost ms (TTL 1500)', lostMs);
    measure('4 kill -9', 'kill to edge counts exact again ms', convergedMs);
    measure('4 kill -9', 'kill to /health pass after replacement ms', passMs);
  });
});
