import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import type { CheckOutcome } from './evaluate.ts';
import { formatJson, formatNagios, formatPerfDatum, formatPrometheus } from './format.ts';

const warning: CheckOutcome = {
  state: 'WARNING',
  exitCode: 1,
  summary: 'cluster warn (HTTP 200) in 12 ms: nodes:state[node-b] warn (stale | lagging)',
  url: 'http://edge.test/health',
  health: 'warn',
  httpStatus: 200,
  elapsedMs: 12.3456,
  problems: ['nodes:state[node-b] warn (stale | lagging)'],
  perfdata: [
    { label: 'time', value: 0.012346, uom: 's', warn: 0.5, crit: 2, min: 0, max: 5 },
    { label: 'nodes:live', value: 2, uom: '' },
  ],
};

const unreachable: CheckOutcome = {
  state: 'CRITICAL',
  exitCode: 2,
  summary: 'cannot reach http://edge.test/health: ECONNREFUSED',
  url: 'http://edge.test/health',
  health: null,
  httpStatus: null,
  elapsedMs: null,
  problems: [],
  perfdata: [],
};

describe('formatNagios', () => {
  it('prints one plugin line with perfdata, keeping pipes out of the text', () => {
    expect(formatNagios(warning)).toBe(
      'TELLTALE WARNING - cluster warn (HTTP 200) in 12 ms: nodes:state[node-b] warn (stale / lagging)' +
        ' | time=0.012346s;0.5;2;0;5 nodes:live=2\n',
    );
    expect(formatNagios(unreachable)).toBe(
      'TELLTALE CRITICAL - cannot reach http://edge.test/health: ECONNREFUSED\n',
    );
  });

  it('quotes labels Nagios could misread', () => {
    expect(formatPerfDatum({ label: "nodes[it's]", value: 1, uom: '' })).toBe("'nodes[it''s]'=1");
    expect(formatPerfDatum({ label: 'rtt', value: 3, uom: 'ms', crit: 9 })).toBe('rtt=3ms;;9');
  });
});

describe('formatJson', () => {
  it('carries the verdict, the numbers and the time of the check', () => {
    const body = JSON.parse(formatJson(warning, new Date('2025-01-02T03:04:05Z')));
    expect(body).toMatchObject({
      state: 'WARNING',
      exitCode: 1,
      health: 'warn',
      httpStatus: 200,
      responseTimeMs: 12.3,
      problems: ['nodes:state[node-b] warn (stale | lagging)'],
      checkedAt: '2025-01-02T03:04:05.000Z',
    });
  });
});

describe('formatPrometheus', () => {
  it('writes gauges that promtool accepts', () => {
    for (const outcome of [warning, unreachable]) {
      const text = formatPrometheus(outcome);
      const lint = spawnSync('promtool', ['check', 'metrics'], { input: text, encoding: 'utf8' });
      expect(lint.stderr + lint.stdout).toBe('');
      expect(lint.status).toBe(0);
    }
  });

  it('marks the current health status and the state', () => {
    const text = formatPrometheus(warning);
    expect(text).toContain('telltale_check_up{url="http://edge.test/health"} 1');
    expect(text).toContain('telltale_check_state{url="http://edge.test/health"} 1');
    expect(text).toContain('telltale_check_health_status{url="http://edge.test/health",status="warn"} 1');
    expect(text).toContain('telltale_check_health_status{url="http://edge.test/health",status="pass"} 0');
    expect(text).toContain('telltale_check_response_time_seconds{url="http://edge.test/health"} 0.0123\n');
    expect(formatPrometheus(unreachable)).toContain('telltale_check_up{url="http://edge.test/health"} 0');
    expect(formatPrometheus(unreachable)).not.toContain('response_time');
  });
});
