import { evaluateHealth, type HealthReport } from '@telltale/shared';
import { clusterViewFixture } from '@telltale/shared/testing';
import { describe, expect, it } from 'vitest';
import { evaluateProbe } from './evaluate.ts';

const thresholds = { warningMs: 500, criticalMs: 2000, timeoutMs: 5000 };
const url = 'http://edge.test/health';

function report(status: HealthReport['status'], checks: HealthReport['checks'] = {}): HealthReport {
  return { status, serviceId: 'telltale', description: 'cluster health', checks };
}

const fast = (r: HealthReport, httpStatus = 200) =>
  evaluateProbe({ kind: 'report', httpStatus, elapsedMs: 12, report: r }, thresholds, url);

describe('evaluateProbe', () => {
  it('is OK for a fast passing cluster, with response time and numeric checks as perfdata', () => {
    const outcome = fast(
      report('pass', {
        'nodes:live': [{ status: 'pass', observedValue: 3 }],
        'redis:latency': [{ status: 'pass', observedValue: 1.5, observedUnit: 'ms' }],
        'redis:connected': [{ status: 'pass', observedValue: true }],
      }),
    );
    expect(outcome.state).toBe('OK');
    expect(outcome.exitCode).toBe(0);
    expect(outcome.summary).toBe('cluster pass (HTTP 200) in 12 ms');
    expect(outcome.perfdata).toEqual([
      { label: 'time', value: 0.012, uom: 's', warn: 0.5, crit: 2, min: 0, max: 5 },
      { label: 'nodes:live', value: 3, uom: '' },
      { label: 'redis:latency', value: 1.5, uom: 'ms' },
      { label: 'redis:connected', value: 1, uom: '' },
    ]);
  });

  it('rounds perfdata: the time to 0.1 ms, observed values to three significant digits', () => {
    const outcome = evaluateProbe(
      {
        kind: 'report',
        httpStatus: 200,
        elapsedMs: 12.3456789,
        report: report('pass', {
          'latency:p99': [{ status: 'pass', observedValue: 12.3456789, observedUnit: 'ms' }],
          'redis:latency': [{ status: 'pass', observedValue: 0.123456, observedUnit: 'ms' }],
          'memory:rss': [{ status: 'pass', observedValue: 1234.5678, observedUnit: 'B' }],
          'connections:total': [{ status: 'pass', observedValue: 123456 }],
        }),
      },
      thresholds,
      url,
    );
    expect(outcome.perfdata).toEqual([
      { label: 'time', value: 0.0123, uom: 's', warn: 0.5, crit: 2, min: 0, max: 5 },
      { label: 'latency:p99', value: 12.3, uom: 'ms' },
      { label: 'redis:latency', value: 0.123, uom: 'ms' },
      { label: 'memory:rss', value: 1235, uom: 'B' },
      { label: 'connections:total', value: 123456, uom: '' },
    ]);
  });

  it('gives alerts:firing as the number of alerts firing, not an alert’s metric value', () => {
    const firing = fast(
      report('fail', {
        'alerts:firing': [
          {
            componentId: 'p95-latency',
            status: 'fail',
            observedValue: 1432.87,
            output: 'critical alert p95-latency is firing',
          },
          {
            componentId: 'error-rate',
            status: 'warn',
            observedValue: 0.071,
            output: 'warning alert error-rate is firing',
          },
        ],
      }),
      503,
    );
    expect(firing.perfdata.filter((d) => d.label === 'alerts:firing')).toEqual([
      { label: 'alerts:firing', value: 2, uom: '' },
    ]);
    const none = fast(report('pass', { 'alerts:firing': [{ status: 'pass', observedValue: 0 }] }));
    expect(none.perfdata.filter((d) => d.label === 'alerts:firing')).toEqual([
      { label: 'alerts:firing', value: 0, uom: '' },
    ]);
  });

  it('is WARNING for a node in maintenance, saying which and that it refuses connections', () => {
    const now = 1_700_000_060_000;
    const view = clusterViewFixture(now, [{ id: 'node-m', flushedAt: now - 500, mode: 'maintenance' }]);
    const outcome = fast(evaluateHealth(view, { expectedNodes: 1, serviceId: 'telltale' }));
    expect(outcome.state).toBe('WARNING');
    expect(outcome.summary).toBe(
      'cluster warn (HTTP 200) in 12 ms: node node-m is in maintenance mode: it refuses every new connection',
    );
    expect(outcome.problems).toEqual([
      'nodes:mode[node-m] warn (is in maintenance mode: it refuses every new connection)',
    ]);
  });

  it('is WARNING when the cluster warns, naming the checks that do not pass', () => {
    const outcome = fast(
      report('warn', {
        'nodes:state': [
          { componentId: 'node-a', status: 'pass' },
          { componentId: 'node-b', status: 'warn', output: 'stale: last flush 17 s ago' },
        ],
      }),
    );
    expect(outcome.state).toBe('WARNING');
    expect(outcome.exitCode).toBe(1);
    expect(outcome.problems).toEqual(['nodes:state[node-b] warn (stale: last flush 17 s ago)']);
    expect(outcome.summary).toContain('nodes:state[node-b] warn (stale: last flush 17 s ago)');
  });

  it('is CRITICAL when the cluster fails (HTTP 503)', () => {
    const outcome = fast(report('fail', { 'nodes:live': [{ status: 'fail', observedValue: 0 }] }), 503);
    expect(outcome.state).toBe('CRITICAL');
    expect(outcome.exitCode).toBe(2);
    expect(outcome.summary).toContain('cluster fail (HTTP 503)');
  });

  it('escalates a passing cluster by response time', () => {
    const at = (elapsedMs: number) =>
      evaluateProbe({ kind: 'report', httpStatus: 200, elapsedMs, report: report('pass') }, thresholds, url);
    expect(at(499).state).toBe('OK');
    expect(at(500).state).toBe('WARNING');
    expect(at(500).summary).toContain('over the warning threshold of 500 ms');
    expect(at(2000).state).toBe('CRITICAL');
    expect(at(2000).summary).toContain('over the critical threshold of 2000 ms');
  });

  it('never lets a fast answer hide a failing cluster', () => {
    const slowWarn = evaluateProbe(
      { kind: 'report', httpStatus: 503, elapsedMs: 600, report: report('fail') },
      thresholds,
      url,
    );
    expect(slowWarn.state).toBe('CRITICAL');
  });

  it('is CRITICAL for timeouts, TLS errors and unreachable hosts, each with its own message', () => {
    const timeout = evaluateProbe({ kind: 'timeout', timeoutMs: 5000 }, thresholds, url);
    expect([timeout.state, timeout.summary]).toEqual(['CRITICAL', `no answer from ${url} within 5000 ms`]);
    const tls = evaluateProbe({ kind: 'tls', reason: 'self-signed certificate' }, thresholds, url);
    expect(tls.summary).toBe(`TLS error talking to ${url}: self-signed certificate`);
    const down = evaluateProbe({ kind: 'unreachable', reason: 'ECONNREFUSED' }, thresholds, url);
    expect([down.exitCode, down.summary]).toEqual([2, `cannot reach ${url}: ECONNREFUSED`]);
  });

  it('is UNKNOWN for an answer that is not a health report, CRITICAL when it is a 5xx page', () => {
    const probe = {
      kind: 'not-a-report',
      elapsedMs: 3,
      contentType: 'text/html',
      reason: 'answer is not JSON',
    } as const;
    const html = evaluateProbe({ ...probe, httpStatus: 200 }, thresholds, url);
    expect([html.state, html.exitCode]).toEqual(['UNKNOWN', 3]);
    expect(html.summary).toBe(`HTTP 200 from ${url} is not a Telltale health report: answer is not JSON`);
    expect(evaluateProbe({ ...probe, httpStatus: 502 }, thresholds, url).state).toBe('CRITICAL');
  });
});
