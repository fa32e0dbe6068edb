import { OPENMETRICS_CONTENT_TYPE, PROMETHEUS_CONTENT_TYPE, type TelltaleStore } from '@telltale/shared';
import { createMemoryStore } from '@telltale/shared/store/memory';
import { afterEach, describe, expect, it } from 'vitest';
import {
  admin,
  type Edge,
  flushNode,
  json,
  makeEdge,
  roomsAndUsers,
  snapshotOf,
} from '../../test/harness.ts';

const PROMETHEUS_ACCEPT =
  'application/openmetrics-text;version=1.0.0;escaping=allow-utf-8;q=0.6,application/openmetrics-text;version=0.0.1;q=0.5,text/plain;version=1.0.0;escaping=allow-utf-8;q=0.4,text/plain;version=0.0.4;q=0.3,*/*;q=0.2';

let edge: Edge;
afterEach(() => edge?.stop());

async function twoNodes(env: Record<string, string> = {}): Promise<Edge> {
  const e = makeEdge({ env });
  const rooms = roomsAndUsers([
    ['/portal', 'thread:1', 2],
    ['/portal', 'user:u1', 1],
  ]);
  await flushNode(e.store, snapshotOf('node-a', { gauges: { connections: 3 } }), [], 30_000, rooms);
  await flushNode(
    e.store,
    snapshotOf('node-b', { gauges: { connections: 4, byNamespace: { '/hub': 4 } } }),
    [],
    30_000,
    rooms,
  );
  await e.aggregator.aggregator.tick();
  return e;
}

describe('GET /metrics', () => {
  it('answers the merged view as JSON with the KPI paths (connections.total, .hub, nodes.live)', async () => {
    edge = await twoNodes();
    const res = await edge.app.request('/metrics');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    const body = await json(res);
    const connections = body.connections as { total: number; hub: number };
    expect(connections.total).toBe(7);
    expect(connections.hub).toBe(5);
    expect((body.nodes as { live: number }).live).toBe(2);
  });

  it('does not expose room names publicly (they carry user and thread ids)', async () => {
    edge = await twoNodes();
    const rooms = (await json(await edge.app.request('/metrics'))).rooms as {
      top: unknown[];
      largest: { namespace: string; name: string; size: number };
    };
    expect(rooms.top).toEqual([]);
    expect(rooms.largest).toEqual({ namespace: '/portal', name: 'thread:*', size: 4 });
  });

  it('speaks OpenMetrics to the Accept header Prometheus sends, and 0.0.4 text to text/plain', async () => {
    edge = await twoNodes();
    const om = await edge.app.request('/metrics', { headers: { accept: PROMETHEUS_ACCEPT } });
    expect(om.headers.get('content-type')).toBe(OPENMETRICS_CONTENT_TYPE);
    expect((await om.text()).trimEnd().endsWith('# EOF')).toBe(true);

    const prom = await edge.app.request('/metrics', { headers: { accept: 'text/plain;version=0.0.4' } });
    expect(prom.headers.get('content-type')).toBe(PROMETHEUS_CONTENT_TYPE);
    expect(await prom.text()).toMatch(/^# TYPE \w+ (gauge|counter|histogram)/m);
  });

  it('lets ?format= override Accept, and rejects an unknown format with a 400 problem', async () => {
    edge = await twoNodes();
    const res = await edge.app.request('/metrics?format=prometheus', {
      headers: { accept: 'application/json' },
    });
    expect(res.headers.get('content-type')).toBe(PROMETHEUS_CONTENT_TYPE);

    const bad = await edge.app.request('/metrics?format=xml');
    expect(bad.status).toBe(400);
    expect(bad.headers.get('content-type')).toBe('application/problem+json');
    expect((await json(bad)).detail).toContain(
      'query.format: format must be one of json, prometheus, openmetrics',
    );
  });

  it('needs METRICS_TOKEN (or an admin credential) when one is configured', async () => {
    const token = 'metrics-token-0123456789';
    edge = await twoNodes({ METRICS_TOKEN: token });
    const anonymous = await edge.app.request('/metrics');
    expect(anonymous.status).toBe(401);
    expect(anonymous.headers.get('www-authenticate')).toMatch(/^Bearer/);
    expect((await edge.app.request('/metrics', { headers: { authorization: 'Bearer nope' } })).status).toBe(
      401,
    );
    expect(
      (await edge.app.request('/metrics', { headers: { authorization: `Bearer ${token}` } })).status,
    ).toBe(200);
    expect((await edge.app.request('/metrics', { headers: admin })).status).toBe(200);
  });

  it('is a 503 problem naming the store error when there is no view', async () => {
    const store = createMemoryStore();
    const broken: TelltaleStore = {
      ...store,
      forCluster: (cluster) => ({
        ...store.forCluster(cluster),
        readCluster: () => Promise.reject(new Error('READONLY replica')),
      }),
    };
    edge = makeEdge({ store: broken });
    await edge.aggregator.aggregator.tick();
    const res = await edge.app.request('/metrics');
    expect(res.status).toBe(503);
    expect((await json(res)).detail).toContain('READONLY replica');
  });
});

describe('GET /metrics/history', () => {
  it('needs admin auth', async () => {
    edge = await twoNodes();
    const res = await edge.app.request('/metrics/history');
    expect(res.status).toBe(401);
    expect(res.headers.get('content-type')).toBe('application/problem+json');
  });

  it('returns tick points for short windows and minute rollups for long ones', async () => {
    edge = await twoNodes();
    await edge.aggregator.aggregator.tick();
    const ticks = await json(await edge.app.request('/metrics/history?minutes=5', { headers: admin }));
    expect(ticks.resolution).toBe('tick');
    const points = ticks.points as { values: Record<string, number> }[];
    expect(points).toHaveLength(2);
    expect(points[0]!.values['connections.total']).toBe(7);

    const minutes = await json(await edge.app.request('/metrics/history?minutes=600', { headers: admin }));
    expect(minutes.resolution).toBe('1m');
    const rollup = (minutes.points as { ticks: number; series: Record<string, { avg: number }> }[]).at(-1)!;
    expect(rollup.series['connections.total']!.avg).toBe(7);
  });

  it('rejects minutes outside 1..1440 with the field named', async () => {
    edge = await twoNodes();
    const res = await edge.app.request('/metrics/history?minutes=5000', { headers: admin });
    expect(res.status).toBe(400);
    const body = await json(res);
    expect(body.errors).toEqual([{ path: 'minutes', message: 'minutes must be at most 1440 (24 h)' }]);
    const tick = await edge.app.request('/metrics/history?minutes=600&resolution=tick', { headers: admin });
    expect(tick.status).toBe(400);
  });
});

describe('GET /metrics per-node series', () => {
  it('reads the nodes’ whole snapshots once per tick, at the first scrape: a tick reads only pulses', async () => {
    edge = await twoNodes();
    const store = edge.store.forCluster(edge.config.CLUSTER_ID);
    const tickView = (await edge.aggregator.client.latest({ fresh: false })).view!;
    expect(tickView.nodes.list.map((n) => n.counters)).toEqual([null, null]);
    let reads = 0;
    const readNodes = store.readNodes.bind(store);
    const counting = makeEdge({
      store: edge.store,
      deps: { store: { ...store, readNodes: () => (reads++, readNodes()) } },
    });
    try {
      await counting.aggregator.aggregator.tick();
      const headers = { accept: 'text/plain' };
      const body = await (await counting.app.request('/metrics', { headers })).text();
      expect(body).toMatch(/telltale_events_received_total\{node="node-a",type="[^"]+"\} \d+/);
      expect(body).toMatch(/telltale_event_handler_duration_seconds_bucket\{node="node-b",le="[^"]+"\}/);
      await counting.app.request('/metrics', { headers });
      await counting.app.request('/metrics?format=json');
      expect(reads).toBe(1);
    } finally {
      counting.stop();
    }
  });

  it('still answers, with the cluster series, when the snapshots cannot be read', async () => {
    edge = await twoNodes();
    const store = edge.store.forCluster(edge.config.CLUSTER_ID);
    const failing = makeEdge({
      store: edge.store,
      deps: { store: { ...store, readNodes: () => Promise.reject(new Error('Redis gone')) } },
    });
    try {
      await failing.aggregator.aggregator.tick();
      const res = await failing.app.request('/metrics', { headers: { accept: 'text/plain' } });
      expect(res.status).toBe(200);
      const body = await res.text();
      expect(body).toMatch(/^telltale_connections\{namespace="\/hub"\} 5$/m);
      expect(body).not.toMatch(/telltale_events_received_total\{node=/);
    } finally {
      failing.stop();
    }
  });
});
