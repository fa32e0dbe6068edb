import type { AlertRule, EdgeStore } from '@telltale/shared';
import { createMemoryStore } from '@telltale/shared/store/memory';
import { describe, expect, it } from 'vitest';
import { flushNode, quietLogger, snapshotOf } from '../../test/harness.ts';
import { Aggregator, type AggregatorOptions } from './aggregator.ts';
import { createMemoryHistoryStorage } from './memory-history.ts';
import type { AggregatorRuntime, LiveConnection, Scheduler, SubscriberState } from './runtime.ts';

/** Counts store calls by method, to prove how many round trips a read costs. */
function countingStore(store: EdgeStore): { store: EdgeStore; calls: Map<string, number> } {
  const calls = new Map<string, number>();
  const proxy = new Proxy(store, {
    get(target, prop, receiver) {
      const value = Reflect.get(target, prop, receiver);
      if (typeof value !== 'function') return value;
      return (...args: unknown[]) => {
        calls.set(String(prop), (calls.get(String(prop)) ?? 0) + 1);
        return value.apply(target, args);
      };
    },
  });
  return { store: proxy, calls };
}

function fakeConnection(id: string): LiveConnection & { sent: Record<string, unknown>[] } {
  let state: SubscriberState = { paused: false };
  const sent: Record<string, unknown>[] = [];
  return {
    id,
    sent,
    send: (m) => sent.push(JSON.parse(m)),
    close: () => {},
    get state() {
      return state;
    },
    setState(next) {
      state = next;
    },
  };
}

function setup(options: Partial<AggregatorOptions> & { fetch?: typeof fetch; now?: () => number } = {}) {
  const memory = createMemoryStore();
  const { store, calls } = countingStore(options.store ?? memory.forCluster('default'));
  const scheduled: number[] = [];
  const scheduler: Scheduler = { schedule: (ms) => void scheduled.push(ms), cancel: () => {} };
  const connections = new Set<LiveConnection>();
  const runtime: AggregatorRuntime = {
    storage: createMemoryHistoryStorage(),
    scheduler,
    hub: { connections: () => connections },
    fetch: options.fetch ?? (() => Promise.reject(new Error('no webhook in this test'))),
    now: options.now ?? Date.now,
    logger: quietLogger,
  };
  const aggregator = new Aggregator(
    { cluster: 'default', intervalMs: 1000, expectedNodes: 1, store, ...options },
    runtime,
  );
  return { aggregator, store, memory, calls, scheduled, connections, runtime };
}

describe('Aggregator reads', () => {
  it('serves HTTP from its latest view with zero store round trips, and a fresh read costs one', async () => {
    const { aggregator, calls, memory } = setup();
    await flushNode(memory, snapshotOf('node-a'));
    await aggregator.tick();
    calls.clear();
    const cached = await aggregator.latest();
    expect(cached.view?.connections.total).toBe(3);
    expect([...calls.values()].reduce((a, b) => a + b, 0)).toBe(0);

    const fresh = await aggregator.latest({ fresh: true });
    expect(fresh.view?.nodes.live).toBe(1);
    expect(Object.fromEntries(calls)).toEqual({ readCluster: 1 });
  });

  it('shares one store read between concurrent fresh readers', async () => {
    const { aggregator, calls } = setup();
    await Promise.all(Array.from({ length: 10 }, () => aggregator.latest({ fresh: true })));
    expect(calls.get('readCluster')).toBe(1);
  });

  it('reports a null view with the store error, and recovers on the next tick', async () => {
    const memory = createMemoryStore();
    let down = true;
    const flaky: EdgeStore = {
      ...memory.forCluster('default'),
      readCluster: () =>
        down
          ? Promise.reject(new Error('ECONNREFUSED 127.0.0.1:6390'))
          : memory.forCluster('default').readCluster(),
    };
    const { aggregator } = setup({ store: flaky });
    await flushNode(memory, snapshotOf('node-a'));
    const failed = await aggregator.tick();
    expect(failed.view).toBeNull();
    expect(failed.error).toContain('ECONNREFUSED');
    expect(failed.health.status).toBe('fail');
    down = false;
    const back = await aggregator.tick();
    expect(back.health.status).toBe('pass');
  });

  it('arms the next tick after each one, even when the tick failed', async () => {
    const memory = createMemoryStore();
    const broken: EdgeStore = {
      ...memory.forCluster('default'),
      readCluster: () => Promise.reject(new Error('down')),
    };
    const { aggregator, scheduled } = setup({ store: broken });
    await aggregator.onStart();
    await aggregator.onAlarm();
    expect(scheduled).toHaveLength(2);
    expect(scheduled.every((ms) => ms >= 0 && ms <= 1000)).toBe(true);
  });

  it('prunes nodes lost for longer than lostForMs from the node set', async () => {
    let now = Date.now();
    const memory = createMemoryStore({ now: () => now });
    const { aggregator } = setup({ store: memory.forCluster('default'), now: () => now, lostForMs: 5000 });
    await flushNode(memory, snapshotOf('node-gone', { node: { flushedAt: now } }), [], 2000);
    now += 3000;
    expect((await aggregator.tick()).view?.nodes.lost).toBe(1);
    now += 6000;
    for (let i = 0; i < 10; i++) await aggregator.tick();
    expect((await memory.forCluster('default').readNodes()).map((n) => n.nodeId)).toEqual([]);
  });
});

describe('Aggregator history', () => {
  it('keeps minute rollups whose averages are exact and whose percentiles come from merged sketches', async () => {
    let now = 1_800_000_000_000;
    const { aggregator, memory } = setup({ now: () => now });
    const fast = Array.from({ length: 99 }, () => 1);
    await flushNode(
      memory,
      snapshotOf('node-a', { gauges: { connections: 2 }, latencyMs: fast, node: { flushedAt: now } }),
    );
    await aggregator.tick();
    now += 1000;
    await flushNode(
      memory,
      snapshotOf('node-a', { gauges: { connections: 10 }, latencyMs: [1000], node: { flushedAt: now } }),
    );
    await aggregator.tick();

    const history = await aggregator.history({ minutes: 600, resolution: 'auto' });
    expect(history.resolution).toBe('1m');
    if (history.resolution !== '1m') return;
    const [minute] = history.points;
    expect(minute!.series['connections.total']).toEqual({ min: 2, max: 10, avg: 6, count: 2 });
    // 100 samples, one slow: the merged p50 is ~1 ms; averaging the two ticks' p50s would say ~500 ms.
    expect(minute!.latency.count).toBe(100);
    expect(minute!.latency.p50).toBeLessThan(1.1);
    expect(minute!.latency.max).toBe(1000);

    const ticks = await aggregator.history({ minutes: 5, resolution: 'auto' });
    expect(ticks.resolution).toBe('tick');
    expect(ticks.points).toHaveLength(2);
  });
});

describe('Aggregator alerts and webhooks', () => {
  const rule: AlertRule = {
    id: 'crowded',
    description: 'more than 5 connections',
    metric: 'connections.total',
    comparison: '>',
    threshold: 5,
    forMs: 0,
    hysteresis: 0,
    severity: 'warning',
    enabled: true,
  };

  it('posts an Alertmanager payload once per state change and retries a failed one with the next change', async () => {
    const posts: {
      alerts: { status: string; labels: { alertname: string }; startsAt: string; endsAt: string }[];
    }[] = [];
    let webhookUp = false;
    const fetcher: typeof fetch = async (_url, init) => {
      if (!webhookUp) throw new Error('connect ECONNREFUSED');
      posts.push(JSON.parse(String(init?.body)));
      return new Response(null, { status: 200 });
    };
    const { aggregator, memory } = setup({ webhookUrl: 'http://127.0.0.1:9/hook', fetch: fetcher });
    await aggregator.setRules([rule]);
    await flushNode(memory, snapshotOf('node-a', { gauges: { connections: 9 } }));

    await aggregator.tick(); // fires; the webhook is down
    await aggregator.tick(); // still firing: no change, nothing sent
    expect(posts).toHaveLength(0);
    expect(quietLogger.lines.some((l) => l.includes('alert webhook') && l.includes('retried'))).toBe(true);

    webhookUp = true;
    await flushNode(memory, snapshotOf('node-a', { gauges: { connections: 1 } }));
    await aggregator.tick(); // resolves: the missed firing is coalesced into the resolution
    await aggregator.tick();
    expect(posts).toHaveLength(1);
    const [alert] = posts[0]!.alerts;
    expect(posts[0]!.alerts.map((a) => a.status)).toEqual(['resolved']);
    expect(alert!.labels.alertname).toBe('crowded');
    expect(Date.parse(alert!.startsAt)).toBeLessThan(Date.parse(alert!.endsAt));
  });

  it('keeps state in the store so a restarted aggregator continues where it was', async () => {
    const first = setup();
    await first.aggregator.setRules([rule]);
    await flushNode(first.memory, snapshotOf('node-a', { gauges: { connections: 9 } }));
    await first.aggregator.tick();
    const second = setup({ store: first.memory.forCluster('default') });
    await second.aggregator.onStart();
    const alerts = await second.aggregator.alerts();
    expect(alerts.rulesSource).toBe('stored');
    expect(alerts.active).toMatchObject([{ ruleId: 'crowded', phase: 'firing' }]);
  });
});

describe('Aggregator live feed hooks', () => {
  it('greets, pushes each tick, skips paused subscribers, resumes, and answers force-update fresh', async () => {
    const { aggregator, memory, connections, calls } = setup();
    await flushNode(memory, snapshotOf('node-a'));
    await aggregator.tick();
    const a = fakeConnection('a');
    const b = fakeConnection('b');
    for (const c of [a, b]) {
      connections.add(c);
      aggregator.onConnect(c);
    }
    expect(a.sent.map((m) => m.type)).toEqual(['hello', 'update']);

    aggregator.onMessage(b, JSON.stringify({ type: 'pause' }));
    await aggregator.tick();
    expect(a.sent.filter((m) => m.type === 'update')).toHaveLength(2);
    expect(b.sent.filter((m) => m.type === 'update')).toHaveLength(1);
    expect(b.sent.at(-1)).toEqual({ type: 'status', paused: true });

    aggregator.onMessage(b, JSON.stringify({ type: 'resume' }));
    expect(b.sent.at(-1)).toMatchObject({ type: 'update', forced: false });

    calls.clear();
    aggregator.onMessage(a, JSON.stringify({ type: 'force-update' }));
    await new Promise((r) => setTimeout(r, 20));
    expect(a.sent.at(-1)).toMatchObject({ type: 'update', forced: true, status: 'pass' });
    expect(calls.get('readCluster')).toBe(1);

    aggregator.onMessage(a, 'not json');
    aggregator.onMessage(a, JSON.stringify({ type: 'explode' }));
    expect(a.sent.slice(-2).map((m) => m.type)).toEqual(['error', 'error']);
  });
});
