import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Cluster, measure, request, since, sleep, type TestClient, waitFor } from './harness/index.ts';
import { expectEdgeMatches } from './truth.ts';

const FLUSH_MS = 500;
/** The 30 s by default; E2E_REDIS_OUTAGE_MS shortens it for a quick local run. */
const OUTAGE_MS = Number(process.env.E2E_REDIS_OUTAGE_MS ?? 30_000);

describe(`scenario 6: Redis down for ${OUTAGE_MS / 1000} s and back`, () => {
  let cluster: Cluster;
  beforeAll(async () => {
    cluster = await Cluster.start({ flushIntervalMs: FLUSH_MS });
  });
  afterAll(async () => {
    await cluster?.stop();
  });

  it('keeps every socket, serves local events, reports the cause, and resumes flushing with continuous counters', async () => {
    // Two clients per node in the same thread, so typing can be delivered node-locally.
    const pairs: [TestClient, TestClient][] = [];
    for (const nodeId of ['node-a', 'node-b', 'node-c']) {
      const pinTo = cluster.cookieOf(nodeId);
      const agent = await cluster.clients.connect({
        user: `agent-${nodeId}`,
        role: 'attendant',
        namespace: '/hub',
        pinTo,
      });
      const customer = await cluster.clients.connect({
        user: `customer-${nodeId}`,
        role: 'client',
        namespace: '/portal',
        threads: [`t-${nodeId}`],
        pinTo,
      });
      for (const client of [agent, customer]) {
        expect(await client.ask('join:thread', { threadId: `t-${nodeId}` })).toEqual({ ok: true });
      }
      pairs.push([agent, customer]);
    }
    const spread = await cluster.clients.connectMany(
      Array.from({ length: 12 }, (_, i) => ({
        user: `spread-${i}`,
        role: 'client' as const,
        namespace: '/portal' as const,
      })),
    );
    // Behind a proxy that blocks WebSocket: every poll is a new request the LB must route to its node.
    const pollers = await Promise.all(
      [0, 1, 2].map((i) =>
        cluster.clients.connect(
          { user: `poller-${i}`, role: 'client', namespace: '/portal', transports: ['polling'] },
          { upgraded: false },
        ),
      ),
    );
    const clients = [...pairs.flat(), ...spread, ...pollers];
    await expectEdgeMatches(cluster, clients);
    const before = new Map((await cluster.edge.nodes()).map((n) => [n.id, n.counters!]));

    // ── Redis goes away ───────────────────────────────────────────────────────────────────────
    const down = performance.now();
    await cluster.redis.stop();

    const failed = await waitFor(
      async () => {
        const health = await cluster.edge.health();
        return health.status === 503 && health;
      },
      { timeoutMs: 5000, what: 'edge /health fails' },
    );
    measure('6 Redis down', 'outage to edge /health 503 ms', since(down));
    expect(failed.report.status).toBe('fail');
    expect(failed.report.output).toMatch(/store unreachable/);
    expect(failed.report.checks['store:reachable']?.[0]?.status).toBe('fail');
    expect((await cluster.edge.get('/health/ready')).status).toBe(503);

    await waitFor(
      async () => {
        const readiness = await Promise.all(cluster.nodes.map((n) => n.readiness()));
        return readiness.every(
          (r) => r.status === 503 && JSON.stringify(r.body).includes('store unreachable'),
        );
      },
      { timeoutMs: 5000, what: 'every node reports not ready because of the store' },
    );
    measure('6 Redis down', 'outage to every node not ready ms', since(down));

    // HAProxy now sees no ready node: a new session is refused, a session with its cookie still
    // reaches its node (`option persist`), so connected clients keep working.
    await waitFor(
      async () => (await request(`${cluster.lb.url}/socket.io/?EIO=4&transport=polling`)).status === 503,
      {
        timeoutMs: 5000,
        what: 'HAProxy refuses new sessions while no node is ready',
      },
    );
    const pinned = await request(`${cluster.lb.url}/socket.io/?EIO=4&transport=polling`, {
      headers: { cookie: 'TELLTALE_NODE=node2' },
    });
    expect(pinned.status).toBe(200);

    // Local events keep working during the whole outage.
    let emitted = 0;
    const outageEnds = down + OUTAGE_MS;
    while (performance.now() < outageEnds) {
      for (const [agent, customer] of pairs) {
        const threadId = `t-${agent.spec.user.replace('agent-', '')}`;
        expect(await agent.ask('typing:start', { threadId })).toEqual({ ok: true });
        expect(await customer.ask('heartbeat')).toEqual({ ok: true });
        emitted += 2;
      }
      for (const poller of pollers) {
        expect(await poller.ask('heartbeat')).toEqual({ ok: true });
        emitted++;
      }
      await sleep(Math.min(1000, Math.max(0, outageEnds - performance.now())));
    }
    for (const [, customer] of pairs) expect(customer.payloads('thread:typing').length).toBeGreaterThan(0);
    for (const client of clients) {
      expect(client.connected, `${client.spec.user} still connected`).toBe(true);
      expect(client.disconnects, `${client.spec.user} never dropped`).toEqual([]);
    }

    // ── Redis is back (empty: it keeps nothing on disk) ──────────────────────────────────────
    await cluster.redis.restart();
    const back = performance.now();
    const backAt = Date.now();
    await waitFor(
      async () => {
        const nodes = await cluster.edge.nodes();
        return nodes.length === 3 && nodes.every((n) => n.state === 'live' && (n.lastFlushAt ?? 0) >= backAt);
      },
      { timeoutMs: 15_000, what: 'every node flushing again' },
    );
    const resumeMs = since(back);
    measure('6 Redis down', `Redis back to every node flushed ms (interval ${FLUSH_MS})`, resumeMs);
    await waitFor(async () => (await cluster.edge.health()).report.status === 'pass', {
      timeoutMs: 10_000,
      what: 'edge /health passes again',
    });
    measure('6 Redis down', 'Redis back to /health pass ms', since(back));
    await expectEdgeMatches(cluster, clients);
    measure('6 Redis down', 'Redis back to exact counts ms', since(back));

    // Counters are cumulative: what the nodes served during the outage is all there.
    const after = new Map((await cluster.edge.nodes()).map((n) => [n.id, n.counters!]));
    let servedDuringOutage = 0;
    for (const [id, counters] of after) {
      const earlier = before.get(id)!;
      expect(counters.connects, `${id} connects`).toBe(earlier.connects);
      expect(counters.disconnects, `${id} disconnects`).toBe(earlier.disconnects);
      expect(counters.eventsIn, `${id} eventsIn`).toBeGreaterThanOrEqual(earlier.eventsIn);
      servedDuringOutage += counters.eventsIn - earlier.eventsIn;
    }
    expect(servedDuringOutage).toBeGreaterThanOrEqual(emitted);
    measure(
      '6 Redis down',
      'events served during the outage (sent / counted)',
      `${emitted} / ${servedDuringOutage}`,
    );
    // Resuming within one interval, plus the client's reconnect backoff (ioredis waits up to 2 s).
    expect(resumeMs).toBeLessThan(FLUSH_MS + 2000 + 2000);
  });
});
