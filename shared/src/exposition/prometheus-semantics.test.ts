import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningPrometheus, startPrometheus } from '../../../test/support/prometheus.ts';
import { sampleRecord, sampleSnapshot } from '../merge/fixtures.ts';
import { mergeSnapshots } from '../merge/merge-snapshots.ts';
import { LatencySketch } from '../sketch/latency-sketch.ts';
import { lognormal, seededRandom } from '../sketch/random.ts';
import { OPENMETRICS_CONTENT_TYPE, renderOpenMetrics } from './render.ts';

/**
 * Issue 13, items 1, 2 and 4, as a real Prometheus reads the edge: two nodes each handle 100 events a
 * second (lognormal, median 90 ms — a p95 near 200 ms), node-b restarts half way. The view is merged
 * and rendered by the real code on every scrape.
 */
const STEP_MS = 250;
const PER_STEP = 25;
const RESTART_AT_STEP = 24;
const STEPS = 52;

interface SimNode {
  startedAt: number;
  sketch: LatencySketch;
  events: number;
}

describe('Prometheus over the exposition, across a node restart', () => {
  let server: Server;
  let prometheus: RunningPrometheus;
  const next = lognormal(seededRandom(42), 90, 0.5);
  const nodes: Record<string, SimNode> = {};
  const current: number[] = [];
  let restartedAt = 0;
  let endedAt = 0;

  const view = () => {
    const now = Date.now();
    const records = Object.entries(nodes).map(([id, n]) => {
      const latency = n.sketch.toJSON();
      const snapshot = sampleSnapshot({
        node: { id, startedAt: n.startedAt, flushedAt: now },
        latency: { window: latency, cumulative: latency },
        counters: { eventsIn: n.events, eventsInByType: { 'thread:message': n.events } },
      });
      return sampleRecord(snapshot, now);
    });
    return mergeSnapshots(records, now, { cluster: 'default', intervalMs: STEP_MS });
  };

  beforeAll(async () => {
    const start = Date.now();
    for (const id of ['node-a', 'node-b'])
      nodes[id] = { startedAt: start, sketch: new LatencySketch(), events: 0 };
    server = createServer((_req, res) => {
      res.writeHead(200, { 'content-type': OPENMETRICS_CONTENT_TYPE }).end(renderOpenMetrics(view()));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    prometheus = await startPrometheus({
      jobs: { edge: [`127.0.0.1:${(server.address() as AddressInfo).port}`] },
    });
    const byNode: Record<string, number[]> = { 'node-a': [], 'node-b': [] };
    for (let step = 0; step < STEPS; step++) {
      if (step === RESTART_AT_STEP) {
        restartedAt = Date.now();
        nodes['node-b'] = { startedAt: restartedAt, sketch: new LatencySketch(), events: 0 };
        byNode['node-b'] = [];
      }
      for (const [id, n] of Object.entries(nodes)) {
        for (let i = 0; i < PER_STEP; i++) {
          const ms = next();
          n.sketch.add(ms);
          n.events++;
          byNode[id]!.push(ms);
        }
      }
      await new Promise((r) => setTimeout(r, STEP_MS));
    }
    endedAt = Date.now();
    current.push(...byNode['node-a']!, ...byNode['node-b']!);
    await new Promise((r) => setTimeout(r, 1500));
  }, 40_000);

  afterAll(async () => {
    await prometheus?.stop();
    await new Promise<void>((resolve) => server?.close(() => resolve()));
  });

  const single = async (promql: string, at = endedAt) => {
    const result = await prometheus.query(promql, at);
    expect(result, promql).toHaveLength(1);
    return result[0]!.value;
  };

  it('sees no reset of the cluster histogram when one node restarts (item 1)', async () => {
    const window = '[8s]';
    const histogram = await single(`sum(increase(telltale_event_handler_duration_seconds_count${window}))`);
    const counters = await single(`sum(increase(telltale_events_received_total${window}))`);
    // 200 events a second over the window, give or take the extrapolation at its edges.
    expect(counters).toBeGreaterThan(1400);
    expect(counters).toBeLessThan(1900);
    expect(Math.abs(histogram - counters) / counters).toBeLessThan(0.02);
  });

  it('reads a p95 within 2 % of the exact one from the default buckets (item 4)', async () => {
    const sorted = [...current].sort((a, b) => a - b);
    const exact = sorted[Math.floor(0.95 * (sorted.length - 1))]! / 1000;
    const p95 = await single(
      'histogram_quantile(0.95, sum by (le) (telltale_event_handler_duration_seconds_bucket))',
    );
    expect(Math.abs(p95 - exact) / exact).toBeLessThan(0.02);
  });

  it("ingests OpenMetrics _created: a restarted node's series start at its restart (item 2)", async () => {
    const created = await prometheus.query('telltale_event_handler_duration_seconds_created', endedAt);
    const byNode = Object.fromEntries(created.map((s) => [s.metric.node, s.value]));
    expect(byNode['node-b']).toBeCloseTo(restartedAt / 1000, 3);
    expect(byNode['node-a']!).toBeLessThan(restartedAt / 1000);
    const counter = await prometheus.query('telltale_events_received_created{node="node-b"}', endedAt);
    expect(counter.map((s) => s.value)).toEqual([restartedAt / 1000]);
  });
});
