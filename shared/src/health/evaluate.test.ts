import { describe, expect, it } from 'vitest';
import { sampleRecord, sampleSnapshot } from '../merge/fixtures.ts';
import { mergeSnapshots } from '../merge/merge-snapshots.ts';
import { HealthReport } from '../schema/health.ts';
import type { NodeRecord } from '../store/port.ts';
import { evaluateHealth, healthHttpStatus } from './evaluate.ts';
import { renderVerboseHealth } from './verbose.ts';

const NOW = 1_700_000_060_000;
const base = { expectedNodes: 2, serviceId: 'telltale-default', version: '0.1.0' };

function live(id: string, redisConnected = true): NodeRecord {
  return sampleRecord(
    sampleSnapshot({
      node: { id },
      infra: { redis: { connected: redisConnected, latencyMs: redisConnected ? 0.3 : null } },
    }),
    NOW - 1000,
  );
}

function view(...records: NodeRecord[]) {
  return mergeSnapshots(records, NOW, { cluster: 'default', intervalMs: 5000 });
}

describe('evaluateHealth', () => {
  it('passes with every expected node live and nothing firing', () => {
    const report = evaluateHealth(view(live('a'), live('b')), base);
    expect(HealthReport.parse(report)).toEqual(report);
    expect(report.status).toBe('pass');
    expect(report.output).toBeUndefined();
    expect(report.checks['nodes:live']).toEqual([
      expect.objectContaining({ status: 'pass', observedValue: 2, observedUnit: 'nodes' }),
    ]);
    expect(report.checks['redis:connected']!.map((c) => c.componentId)).toEqual(['a', 'b']);
    expect(report.checks['connections:total']![0]!.observedValue).toBe(6);
    expect(report.checks['latency:p99']![0]!.observedUnit).toBe('ms');
    expect(healthHttpStatus(report)).toBe(200);
  });

  it('fails when the store is unreachable, naming the error', () => {
    const report = evaluateHealth(null, { ...base, storeError: 'connect ECONNREFUSED 127.0.0.1:6390' });
    expect(report.status).toBe('fail');
    expect(report.output).toBe('store unreachable: connect ECONNREFUSED 127.0.0.1:6390');
    expect(report.checks['store:reachable']![0]).toMatchObject({ status: 'fail', observedValue: false });
    expect(healthHttpStatus(report)).toBe(503);
  });

  it('fails when the store errors even if an older view is still at hand', () => {
    const report = evaluateHealth(view(live('a'), live('b')), {
      ...base,
      storeError: 'timeout after 2000 ms',
    });
    expect(report.status).toBe('fail');
  });

  it('fails when no node is live', () => {
    const report = evaluateHealth(view(), base);
    expect(report.status).toBe('fail');
    expect(report.output).toBe('no socket node is live');
  });

  it('fails when fewer nodes than expected are live', () => {
    const report = evaluateHealth(view(live('a')), { ...base, expectedNodes: 3 });
    expect(report.status).toBe('fail');
    expect(report.output).toBe('only 1 of 3 expected nodes are live');
  });

  it('fails on a critical or emergency alert and warns on a warning one', () => {
    const v = view(live('a'), live('b'));
    const critical = evaluateHealth(v, {
      ...base,
      alerts: [{ ruleId: 'p95-latency', severity: 'critical' }],
    });
    expect(critical.status).toBe('fail');
    expect(critical.output).toBe('critical alert p95-latency is firing');
    const emergency = evaluateHealth(v, {
      ...base,
      alerts: [{ ruleId: 'x', severity: 'emergency', phase: 'firing' }],
    });
    expect(emergency.status).toBe('fail');
    const warning = evaluateHealth(v, {
      ...base,
      alerts: [{ ruleId: 'memory', severity: 'warning', value: 0.9 }],
    });
    expect(warning.status).toBe('warn');
    expect(warning.checks['alerts:firing']![0]).toMatchObject({
      componentId: 'memory',
      output: 'warning alert memory is firing (value 0.9)',
    });
  });

  it('ignores alerts that are pending or resolved, and info alerts', () => {
    const report = evaluateHealth(view(live('a'), live('b')), {
      ...base,
      alerts: [
        { ruleId: 'a', severity: 'critical', phase: 'pending' },
        { ruleId: 'b', severity: 'critical', phase: 'resolved' },
        { ruleId: 'c', severity: 'info', phase: 'firing' },
      ],
    });
    expect(report.status).toBe('pass');
  });

  it('warns when a node is stale', () => {
    const stale = { ...live('b'), lastFlushAt: NOW - 12_000 };
    const report = evaluateHealth(view(live('a'), stale), { ...base, expectedNodes: 1 });
    expect(report.status).toBe('warn');
    expect(report.output).toBe('node b is stale (last flush 12 s ago)');
  });

  it('warns when a node is lost', () => {
    const report = evaluateHealth(view(live('a'), { nodeId: 'b', lastFlushAt: NOW - 20_000, raw: null }), {
      ...base,
      expectedNodes: 1,
    });
    expect(report.status).toBe('warn');
    expect(report.output).toMatch(/^node b is lost/);
  });

  it('warns when a snapshot is invalid, quoting the error', () => {
    const report = evaluateHealth(view(live('a'), { nodeId: 'b', lastFlushAt: NOW, raw: '{}' }), {
      ...base,
      expectedNodes: 1,
    });
    expect(report.status).toBe('warn');
    expect(report.output).toBe(
      'node b sent an invalid snapshot: snapshot version missing is not supported (this edge reads v2)',
    );
  });

  it('warns when a node reports Redis down', () => {
    const report = evaluateHealth(view(live('a'), live('b', false)), base);
    expect(report.status).toBe('warn');
    expect(report.checks['redis:connected']!.find((c) => c.componentId === 'b')!.status).toBe('warn');
  });

  it('lists every reason, failures first', () => {
    const stale = { ...live('b'), lastFlushAt: NOW - 12_000 };
    const report = evaluateHealth(view(stale), { ...base, expectedNodes: 1 });
    expect(report.status).toBe('fail');
    expect(report.output).toBe('no socket node is live; node b is stale (last flush 12 s ago)');
  });
});

describe('renderVerboseHealth', () => {
  it('prints Kubernetes-style lines with a final verdict', () => {
    const report = evaluateHealth(view(live('a'), live('b', false)), { ...base, expectedNodes: 3 });
    const text = renderVerboseHealth(report);
    const lines = text.trimEnd().split('\n');
    expect(lines).toContain('[+]store:reachable ok');
    expect(lines).toContain('[-]nodes:live failed: only 2 of 3 expected nodes are live');
    expect(lines).toContain('[+]redis:connected[a] ok');
    expect(lines).toContain('[!]redis:connected[b] warning: node reports its Redis connection down');
    expect(lines.at(-1)).toBe('health check failed');
  });

  it('says passed for pass and warn', () => {
    const text = renderVerboseHealth(evaluateHealth(view(live('a'), live('b', false)), base));
    expect(text.endsWith('health check passed\n')).toBe(true);
  });
});
