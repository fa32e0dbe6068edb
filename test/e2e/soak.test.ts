import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type ClientSpec,
  Cluster,
  measure,
  request,
  sleep,
  type TestClient,
  waitFor,
} from './harness/index.ts';
import { expectEdgeMatches } from './truth.ts';

/** The soak: 2,000 clients churning for a minute (about 90 s in all); smaller with E2E_SOAK_*. */
const CLIENTS = Number(process.env.E2E_SOAK_CLIENTS ?? 2000);
const SECONDS = Number(process.env.E2E_SOAK_SECONDS ?? 60);
/** Share of the population replaced every second. */
const CHURN_PER_SECOND = 0.1;
const MB = 1024 * 1024;
/**
 * Live heap a node may keep after every client left, over its baseline (both after a full GC): the
 * users still inside their 60 s presence grace period (measured ≈ 0.75 KB each), plus tables that
 * grew and keep their capacity (measured ≈ 1.5–2.2 MB once the grace period is over, 300 to 2,000
 * clients): 3.6–4.0 MB in all at 2,000 clients, against 5.4 MB allowed. A leak of 150 bytes per
 * connection breaks it at the soak's 12,000–14,000 connections.
 */
const HEAP_ALLOWANCE_BYTES = 2 * MB + CLIENTS * 1792;

interface EdgePoll {
  requests: number;
  failures: string[];
}

/** Polls the public endpoints throughout, like a status page and a Prometheus scraper would. */
function pollEdge(cluster: Cluster): { result: EdgePoll; stop(): Promise<void> } {
  const result: EdgePoll = { requests: 0, failures: [] };
  let running = true;
  const loop = (async () => {
    while (running) {
      for (const path of ['/health', '/metrics', '/metrics?format=prometheus']) {
        result.requests++;
        try {
          const answer = await request(`${cluster.edge.url}${path}`, { timeoutMs: 5000 });
          if (answer.status !== 200)
            result.failures.push(`${path} ${answer.status}: ${answer.text.slice(0, 200)}`);
        } catch (error) {
          result.failures.push(`${path}: ${(error as Error).message}`);
        }
      }
      await sleep(200);
    }
  })();
  return {
    result,
    async stop() {
      running = false;
      await loop;
    },
  };
}

/** As the edge reports it: V8's heap whenever the node last flushed, garbage included. */
async function reportedHeapByNode(cluster: Cluster): Promise<Map<string, number>> {
  return new Map((await cluster.edge.nodes()).map((n) => [n.id, n.memory?.heapUsed ?? 0]));
}

/** Each node's live heap after a forced full GC (through its inspector). */
async function liveHeapByNode(cluster: Cluster): Promise<Map<string, number>> {
  return new Map(await Promise.all(cluster.nodes.map(async (n) => [n.id, await n.heapAfterGc()] as const)));
}

describe(`scenario 9: soak — ${CLIENTS} clients churning for ${SECONDS} s across 3 nodes`, () => {
  let cluster: Cluster;
  beforeAll(async () => {
    cluster = await Cluster.start({ inspectable: true });
  });
  afterAll(async () => {
    await cluster?.stop();
  });

  it('answers every poll, converges to exact counts after churn, and returns to its memory baseline', async () => {
    const specFor = (slot: number): ClientSpec =>
      slot % 4 === 0
        ? { user: `soak-${slot}`, role: 'attendant', namespace: '/hub' }
        : { user: `soak-${slot}`, role: 'client', namespace: '/portal', threads: [`t-${slot % 50}`] };

    // Warm the nodes up once, then take the baseline with nobody connected.
    const warmup = await cluster.clients.connectMany(Array.from({ length: 30 }, (_, i) => specFor(i)));
    for (const client of warmup) cluster.clients.release(client);
    await waitFor(async () => (await cluster.edge.metrics()).connections.total === 0, {
      timeoutMs: 10_000,
      what: 'warm-up gone',
    });
    const baseline = await liveHeapByNode(cluster);

    const poll = pollEdge(cluster);
    const started = performance.now();
    const slots: TestClient[] = await cluster.clients.connectMany(
      Array.from({ length: CLIENTS }, (_, i) => specFor(i)),
      50,
    );
    measure(
      '9 soak',
      `${CLIENTS} clients connected through HAProxy ms`,
      Math.round(performance.now() - started),
    );

    let replaced = 0;
    let emitted = 0;
    const churnEnds = performance.now() + SECONDS * 1000;
    while (performance.now() < churnEnds) {
      const tickStarted = performance.now();
      const count = Math.max(1, Math.round(CLIENTS * CHURN_PER_SECOND));
      const picked = new Set<number>();
      while (picked.size < count) picked.add(Math.floor(Math.random() * CLIENTS));
      await Promise.all(
        [...picked].map(async (slot) => {
          cluster.clients.release(slots[slot]!);
          slots[slot] = await cluster.clients.connect(specFor(slot));
          replaced++;
        }),
      );
      for (const client of slots) {
        if (client.spec.namespace === '/portal' && Math.random() < 0.2) {
          client.socket.emit('join:thread', { threadId: client.spec.threads![0]! });
          emitted++;
        } else if (Math.random() < 0.2) {
          client.socket.emit('heartbeat');
          emitted++;
        }
      }
      await sleep(Math.max(0, 1000 - (performance.now() - tickStarted)));
    }
    const churnStopped = performance.now();
    const peak = await reportedHeapByNode(cluster);

    await expectEdgeMatches(cluster, slots, { timeoutMs: 15_000 });
    measure('9 soak', 'churn stop to exact edge counts ms', Math.round(performance.now() - churnStopped));
    await poll.stop();
    measure('9 soak', 'clients replaced / events emitted during churn', `${replaced} / ${emitted}`);
    measure(
      '9 soak',
      'edge polls during the soak (failures)',
      `${poll.result.requests} (${poll.result.failures.length})`,
    );
    expect(poll.result.failures).toEqual([]);
    expect(poll.result.requests).toBeGreaterThan(SECONDS * 5);

    await cluster.clients.closeAll();
    await waitFor(async () => (await cluster.edge.metrics()).connections.total === 0, {
      timeoutMs: 15_000,
      what: 'all gone',
    });
    const after = await liveHeapByNode(cluster);
    const line = (m: Map<string, number>) =>
      [...m].map(([id, heap]) => `${id} ${(heap / MB).toFixed(1)}`).join(', ');
    measure('9 soak', 'live heap MB after GC, baseline', line(baseline));
    measure('9 soak', 'heapUsed MB reported at churn end', line(peak));
    measure('9 soak', 'live heap MB after GC, clients gone', line(after));
    for (const [id, heap] of after) {
      expect(heap, `${id} live heap after the soak`).toBeLessThanOrEqual(
        (baseline.get(id) ?? 0) + HEAP_ALLOWANCE_BYTES,
      );
    }
    for (const node of cluster.nodes) expect(node.process.running).toBe(true);
  }, 300_000);
});
