import { describe, expect, it } from 'vitest';
import { clusterViewFixture } from '../schema/cluster-fixture.ts';
import { evaluateHealth, healthHttpStatus } from './evaluate.ts';
import { renderVerboseHealth } from './verbose.ts';

const NOW = 1_700_000_060_000;
const base = { expectedNodes: 2, serviceId: 'telltale-default' };

describe('evaluateHealth and node modes', () => {
  it('warns when a node is in maintenance, naming it and what it does to clients', () => {
    const view = clusterViewFixture(NOW, [
      { id: 'a', flushedAt: NOW - 500 },
      { id: 'b', flushedAt: NOW - 500, mode: 'maintenance' },
    ]);
    const report = evaluateHealth(view, base);
    expect(report.status).toBe('warn');
    expect(healthHttpStatus(report)).toBe(200);
    expect(report.output).toBe('node b is in maintenance mode: it refuses every new connection');
    expect(report.checks['nodes:mode']).toEqual([
      expect.objectContaining({ componentId: 'a', observedValue: 'running', status: 'pass' }),
      expect.objectContaining({ componentId: 'b', observedValue: 'maintenance', status: 'warn' }),
    ]);
    expect(renderVerboseHealth(report)).toContain(
      '[!]nodes:mode[b] warning: is in maintenance mode: it refuses every new connection\n',
    );
  });

  it('passes a node that is starting or shutting down, saying so', () => {
    const view = clusterViewFixture(NOW, [
      { id: 'a', flushedAt: NOW - 500, mode: 'starting' },
      { id: 'b', flushedAt: NOW - 500, mode: 'draining' },
    ]);
    const report = evaluateHealth(view, base);
    expect(report.status).toBe('pass');
    expect(report.checks['nodes:mode']?.map((c) => c.output)).toEqual([
      'starting',
      'is shutting down: it refuses new connections',
    ]);
  });

  it('counts refused connections by reason', () => {
    const view = clusterViewFixture(NOW, [{ id: 'a', flushedAt: NOW - 500, mode: 'maintenance' }], {
      connections: {
        total: 0,
        by_namespace: {},
        by_transport: {},
        rate: { '1m': null },
        refused: { count: 7, by_reason: { maintenance: 5, draining: 2 } },
      },
    });
    const [refused] = evaluateHealth(view, { ...base, expectedNodes: 1 }).checks['connections:refused'] ?? [];
    expect(refused).toMatchObject({
      observedValue: 7,
      observedUnit: 'connections',
      status: 'pass',
      output: 'refused since the nodes started: maintenance 5, draining 2',
    });
  });

  it('rounds latency to three significant digits and keeps alert values out of observedValue', () => {
    const view = clusterViewFixture(NOW, [{ id: 'a', flushedAt: NOW - 500 }], {
      events: {
        inbound: { count: 10 },
        outbound: { count: 10 },
        throughput: { '1m': null, inbound: null, outbound: null },
        latency: { count: 10, avg: 3, p50: 2, p95: 9, p99: 12.3456789, max: 20 },
        by_type: {},
      },
    });
    const report = evaluateHealth(view, {
      ...base,
      expectedNodes: 1,
      alerts: [{ ruleId: 'p95-latency', severity: 'warning', value: 612.3456 }],
    });
    expect(report.checks['latency:p99']?.[0]?.observedValue).toBe(12.3);
    expect(report.checks['alerts:firing']).toEqual([
      expect.objectContaining({
        componentId: 'p95-latency',
        status: 'warn',
        output: 'warning alert p95-latency is firing (value 612)',
      }),
    ]);
    expect(report.checks['alerts:firing']?.[0]?.observedValue).toBeUndefined();
  });
});
