import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clusterKeys } from '../../shared/src/index.ts';
import {
  BAD_THREAD_PAYLOADS,
  badBusinessEvents,
  badCommands,
  HOSTILE_IDS,
  httpCorpus,
  THREAD_EVENTS,
} from './corpus.ts';
import {
  bearer,
  Cluster,
  measure,
  requestOnce,
  signToken,
  sleep,
  type TestClient,
  waitFor,
} from './harness/index.ts';
import { expectEdgeMatches } from './truth.ts';

interface Verdict {
  name: string;
  status: number | string;
}

describe('scenario 7: a generated corpus of bad input — 4xx or a counted rejection, never a 500 or a crash', () => {
  let cluster: Cluster;
  let redis: Redis;
  let healthy: TestClient[];
  let handled = 0;

  beforeAll(async () => {
    // Every case comes from one address: the per-address admin bucket must not answer instead of validation.
    cluster = await Cluster.start({ clientRateLimit: '100000/100000' });
    redis = new Redis(cluster.redis.url);
    healthy = await cluster.clients.connectMany([
      ...[1, 2, 3].map((n) => ({
        user: `agent-${n}`,
        role: 'attendant' as const,
        namespace: '/hub' as const,
        pinTo: `node${n}`,
      })),
      ...[1, 2, 3].map((n) => ({
        user: `customer-${n}`,
        role: 'client' as const,
        namespace: '/portal' as const,
        threads: ['t-1'],
        pinTo: `node${n}`,
      })),
    ]);
    for (const client of healthy)
      expect(await client.ask('join:thread', { threadId: 't-1' })).toEqual({ ok: true });
    await expectEdgeMatches(cluster, healthy);
  });
  afterAll(async () => {
    measure('7 bad input', 'cases handled in total', handled);
    redis?.disconnect();
    await cluster?.stop();
  });

  it('admin HTTP: bad JSON, wrong types, huge bodies, unknown commands, hostile ids and queries are all 4xx', async () => {
    const corpus = httpCorpus();
    expect(corpus.length).toBeGreaterThanOrEqual(250);
    const verdicts: Verdict[] = [];
    let n = 0;
    for (const testCase of corpus) {
      // One admin identity per case: the per-actor rate limit must not answer instead of validation.
      const token = await signToken(cluster.secrets.jwtSecret, { sub: `fuzzer-${n++}`, role: 'admin' });
      let status: number | string;
      try {
        const answer = await requestOnce(`${cluster.edge.url}${testCase.path}`, {
          method: testCase.method,
          headers: {
            ...bearer(token),
            ...(testCase.contentType ? { 'content-type': testCase.contentType } : {}),
          },
          ...(testCase.body === undefined ? {} : { body: testCase.body }),
        });
        status = answer.status;
        if (status >= 400 && status < 500 && status !== 404 && status !== 405) {
          expect(answer.headers['content-type'], testCase.name).toMatch(/^application\/problem\+json/);
        }
      } catch (error) {
        status = `network error: ${(error as Error).message}`;
      }
      verdicts.push({ name: testCase.name, status });
    }
    const wrong = verdicts.filter(
      (v) => typeof v.status !== 'number' || v.status < 400 || v.status >= 500 || v.status === 429,
    );
    expect(wrong, `${wrong.length} of ${verdicts.length} cases not answered with a 4xx`).toEqual([]);
    handled += verdicts.length;
    const byStatus: Record<string, number> = {};
    for (const v of verdicts) byStatus[v.status] = (byStatus[v.status] ?? 0) + 1;
    measure('7 bad input', `admin HTTP cases (by status)`, `${verdicts.length} ${JSON.stringify(byStatus)}`);
  });

  it('socket payloads: every malformed payload is refused in its ack and counted; the socket stays', async () => {
    const before = await invalidPayloadsCounted(cluster);
    let sent = 0;
    for (const client of healthy) {
      for (const event of THREAD_EVENTS) {
        for (const payload of BAD_THREAD_PAYLOADS) {
          const answer = (await client.ask(event, payload)) as { ok: boolean; error?: string };
          expect(answer.ok, `${event} ${JSON.stringify(payload)}`).toBe(false);
          expect(answer.error).toMatch(/^invalid /);
          sent++;
        }
      }
      // Events nobody handles: ignored, counted in events.by_type (capped), and the socket lives on.
      for (const event of ['admin:hack', '__proto__', 'constructor', 'x'.repeat(500)])
        client.socket.emit(event, { evil: true });
      expect(await client.ask('heartbeat')).toEqual({ ok: true });
    }
    await waitFor(async () => (await invalidPayloadsCounted(cluster)) === before + sent, {
      timeoutMs: 5000,
      what: `${sent} invalid payloads counted`,
    });
    for (const client of healthy) expect(client.disconnects).toEqual([]);
    handled += sent;
    measure('7 bad input', 'malformed socket payloads (refused and counted)', sent);
  });

  it('business-event envelopes and commands on the Redis channels: rejected and counted by every node', async () => {
    const keys = clusterKeys(cluster.cluster);
    const executedBefore = new Map(
      (await cluster.edge.nodes()).map((n) => [n.id, n.counters?.commandsExecuted]),
    );
    const events = badBusinessEvents();
    const commands = badCommands(cluster.cluster);
    for (const raw of events) await redis.publish(keys.events, raw);
    for (const nodeId of ['node-a', 'node-b', 'node-c']) {
      for (const raw of commands) await redis.publish(keys.nodeCommands(nodeId), raw);
      await redis.publish(keys.nodeCommands(nodeId), 'garbage');
    }
    const counted = await waitFor(
      async () => {
        const nodes = await cluster.edge.nodes();
        return (
          nodes.every(
            (n) =>
              n.counters?.businessEventsRejected === events.length &&
              n.counters.commandsRejected === commands.length + 1,
          ) && nodes
        );
      },
      { timeoutMs: 5000, what: 'every node counted every bad envelope and command' },
    );
    for (const node of counted) {
      expect(node.counters?.businessEvents, node.id).toBe(0);
      expect(node.counters?.commandsExecuted, node.id).toBe(executedBefore.get(node.id));
    }
    for (const client of healthy) {
      expect(
        client.received.filter((r) => !r.event.startsWith('attendant:') && r.event !== 'thread:typing'),
      ).toEqual([]);
    }
    handled += events.length + commands.length + 3;
    measure(
      '7 bad input',
      'bad envelopes / commands published (each rejected by 3 nodes)',
      `${events.length} / ${commands.length + 3}`,
    );
  });

  it('corrupt data written straight into Redis is isolated and reported, never fatal', async () => {
    const keys = clusterKeys(cluster.cluster);
    const real = await redis.hget(keys.node('node-a'), 'snapshot');
    expect(real).toBeTruthy();
    const snapshot = JSON.parse(real!) as {
      v: number;
      node: { id: string };
      gauges: { connections: unknown };
    };
    const ghosts: Record<string, string> = {
      'ghost-not-json': '{"v":1,',
      'ghost-empty': '',
      'ghost-wrong-shape': '{"v":1}',
      'ghost-version-skew': JSON.stringify({
        ...snapshot,
        v: 99,
        node: { ...snapshot.node, id: 'ghost-version-skew' },
      }),
      'ghost-negative': JSON.stringify({
        ...snapshot,
        node: { ...snapshot.node, id: 'ghost-negative' },
        gauges: { ...snapshot.gauges, connections: -5 },
      }),
      'ghost-impostor': JSON.stringify(snapshot),
      'ghost-array': '[1,2,3]',
      'ghost-huge': JSON.stringify({ v: 1, pad: 'x'.repeat(500_000) }),
    };
    const now = Date.now();
    for (const [id, raw] of Object.entries(ghosts)) {
      await redis.hset(keys.node(id), 'snapshot', raw);
      await redis.pexpire(keys.node(id), 60_000);
      await redis.zadd(keys.nodes, now, id);
    }
    await redis.hset(keys.nodeSockets('node-a'), 'bogus-socket', '{not json', 'bogus-2', '{"id":5}');
    await redis.xadd(keys.audit, '*', 'entry', '{broken audit');
    await redis.hset(keys.alerts, 'rules', '[{"id":');
    await redis.set(keys.presence('agent-1'), 'garbage');
    const corrupted = Object.keys(ghosts).length + 5;

    const report = await waitFor(
      async () => {
        const health = await cluster.edge.health();
        return health.report.status === 'warn' && health;
      },
      { timeoutMs: 5000, what: '/health warns about invalid snapshots' },
    );
    expect(report.status).toBe(200);
    const metrics = await cluster.edge.metrics();
    expect(metrics.nodes.invalid).toBe(Object.keys(ghosts).length);
    expect(metrics.nodes.live).toBe(3);
    for (const path of [
      '/metrics?format=prometheus',
      '/health?verbose',
      '/admin/nodes',
      '/admin/connections',
      '/admin/commands',
      '/admin/alerts',
      '/admin/rooms',
    ]) {
      const answer = await cluster.edge.admin('GET', path);
      expect(answer.status, `${path}: ${answer.text.slice(0, 200)}`).toBeLessThan(500);
    }
    // Healthy data is untouched: the real sockets are still counted and listed exactly.
    await expectEdgeMatches(cluster, healthy);

    for (const id of Object.keys(ghosts)) {
      await redis.del(keys.node(id));
      await redis.zrem(keys.nodes, id);
    }
    await redis.hdel(keys.nodeSockets('node-a'), 'bogus-socket', 'bogus-2');
    await redis.hdel(keys.alerts, 'rules');
    await redis.del(keys.presence('agent-1'));
    await waitFor(async () => (await cluster.edge.health()).report.status === 'pass', {
      timeoutMs: 5000,
      what: '/health passes once the corrupt snapshots are gone',
    });
    handled += corrupted;
    measure('7 bad input', 'corrupt Redis entries (isolated, /health warn, no 500)', corrupted);
  });

  it('after the whole corpus: every process is up, every healthy client connected, counts exact', async () => {
    await sleep(200);
    for (const node of cluster.nodes) expect(node.process.running, node.id).toBe(true);
    expect(cluster.edge.process.running).toBe(true);
    for (const client of healthy) {
      expect(client.connected).toBe(true);
      expect(client.disconnects).toEqual([]);
    }
    await expectEdgeMatches(cluster, healthy);
    for (const client of healthy)
      expect(await client.ask('typing:start', { threadId: 't-1' })).toEqual({ ok: true });
    const logs = cluster.logs();
    expect(logs).not.toMatch(/unhandled rejection|uncaughtException|FATAL|Internal error/i);
    expect(HOSTILE_IDS.length).toBeGreaterThan(20);
  });
});

async function invalidPayloadsCounted(cluster: Cluster): Promise<number> {
  return (await cluster.edge.nodes()).reduce((sum, n) => sum + (n.counters?.invalidPayloads ?? 0), 0);
}
