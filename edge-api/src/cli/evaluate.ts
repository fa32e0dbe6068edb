import type { HealthCheck, HealthStatus } from '@telltale/shared';
import type { Probe } from './probe.ts';

export const NagiosState = { OK: 0, WARNING: 1, CRITICAL: 2, UNKNOWN: 3 } as const;
export type NagiosState = keyof typeof NagiosState;

export interface Thresholds {
  warningMs: number;
  criticalMs: number;
  timeoutMs: number;
}

/** One Nagios performance datum; `uom` is one of Nagios's units or empty. */
export interface PerfDatum {
  label: string;
  value: number;
  uom: '' | 's' | 'ms' | '%' | 'B';
  warn?: number;
  crit?: number;
  min?: number;
  max?: number;
}

/** The judged result of one check: what every output format renders. */
export interface CheckOutcome {
  state: NagiosState;
  exitCode: number;
  summary: string;
  url: string;
  /** The cluster's own verdict when a health report came back. */
  health: HealthStatus | null;
  httpStatus: number | null;
  elapsedMs: number | null;
  /** Checks of the report that are not passing, as `key: output` lines. */
  problems: string[];
  perfdata: PerfDatum[];
}

export function evaluateProbe(probe: Probe, thresholds: Thresholds, url: string): CheckOutcome {
  const base = { url, health: null, httpStatus: null, elapsedMs: null, problems: [], perfdata: [] };
  switch (probe.kind) {
    case 'timeout':
      return outcome({
        ...base,
        state: 'CRITICAL',
        summary: `no answer from ${url} within ${probe.timeoutMs} ms`,
      });
    case 'tls':
      return outcome({ ...base, state: 'CRITICAL', summary: `TLS error talking to ${url}: ${probe.reason}` });
    case 'unreachable':
      return outcome({ ...base, state: 'CRITICAL', summary: `cannot reach ${url}: ${probe.reason}` });
    case 'not-a-report': {
      // A 5xx page from a proxy in front of the edge is an outage; anything else means we are not talking to Telltale.
      const state: NagiosState = probe.httpStatus >= 500 ? 'CRITICAL' : 'UNKNOWN';
      return outcome({
        ...base,
        state,
        httpStatus: probe.httpStatus,
        elapsedMs: probe.elapsedMs,
        perfdata: [timeDatum(probe.elapsedMs, thresholds)],
        summary: `HTTP ${probe.httpStatus} from ${url} is not a Telltale health report: ${probe.reason}`,
      });
    }
    case 'report':
      return judgeReport(probe, thresholds, url);
  }
}

function judgeReport(
  probe: Extract<Probe, { kind: 'report' }>,
  thresholds: Thresholds,
  url: string,
): CheckOutcome {
  const { report, elapsedMs, httpStatus } = probe;
  const problems = Object.entries(report.checks).flatMap(([key, entries]) =>
    entries.filter((check) => check.status !== 'pass').map((check) => describeCheck(key, check)),
  );
  const slow =
    elapsedMs >= thresholds.criticalMs ? 'CRITICAL' : elapsedMs >= thresholds.warningMs ? 'WARNING' : 'OK';
  const byHealth: NagiosState =
    report.status === 'fail' ? 'CRITICAL' : report.status === 'warn' ? 'WARNING' : 'OK';
  const state = worst(slow, byHealth);

  const parts = [`cluster ${report.status} (HTTP ${httpStatus}) in ${formatMs(elapsedMs)}`];
  if (slow !== 'OK') {
    const limit = slow === 'CRITICAL' ? thresholds.criticalMs : thresholds.warningMs;
    parts.push(`response time over the ${slow.toLowerCase()} threshold of ${limit} ms`);
  }
  // The report's output already states every reason; the per-check lines are the fallback.
  if (report.output) parts.push(report.output);
  else if (problems.length > 0) parts.push(problems.join('; '));
  return outcome({
    state,
    url,
    health: report.status,
    httpStatus,
    elapsedMs,
    problems,
    summary: parts.join(': '),
    perfdata: [timeDatum(elapsedMs, thresholds), ...checkData(report.checks)],
  });
}

function outcome(fields: Omit<CheckOutcome, 'exitCode'>): CheckOutcome {
  return { ...fields, exitCode: NagiosState[fields.state] };
}

function worst(a: NagiosState, b: NagiosState): NagiosState {
  return NagiosState[a] >= NagiosState[b] ? a : b;
}

function describeCheck(key: string, check: HealthCheck): string {
  const who = check.componentId ? `${key}[${check.componentId}]` : key;
  const detail = check.output ?? (check.observedValue !== undefined ? `${check.observedValue}` : '');
  return `${who} ${check.status}${detail ? ` (${detail})` : ''}`;
}

function timeDatum(elapsedMs: number, thresholds: Thresholds): PerfDatum {
  return {
    label: 'time',
    // 0.1 ms: the timer's resolution is finer, a network round trip is not that steady.
    value: round(elapsedMs / 1000, 4),
    uom: 's',
    warn: thresholds.warningMs / 1000,
    crit: thresholds.criticalMs / 1000,
    min: 0,
    max: thresholds.timeoutMs / 1000,
  };
}

const UNITS: Record<string, PerfDatum['uom']> = {
  ms: 'ms',
  s: 's',
  '%': '%',
  percent: '%',
  B: 'B',
  bytes: 'B',
};

/**
 * Numeric observed values of the report's checks become perfdata, one per component, at three
 * significant digits; `alerts:firing` is one datum, the number of alerts firing.
 */
function checkData(checks: Record<string, HealthCheck[]>): PerfDatum[] {
  const data: PerfDatum[] = [];
  for (const [key, entries] of Object.entries(checks)) {
    if (key === FIRING) {
      data.push({ label: FIRING, value: entries.filter((c) => c.componentId !== undefined).length, uom: '' });
      continue;
    }
    for (const check of entries) {
      const value =
        typeof check.observedValue === 'boolean' ? Number(check.observedValue) : check.observedValue;
      if (typeof value !== 'number' || !Number.isFinite(value)) continue;
      const label = check.componentId && entries.length > 1 ? `${key}[${check.componentId}]` : key;
      data.push({ label, value: significant(value), uom: UNITS[check.observedUnit ?? ''] ?? '' });
    }
  }
  return data;
}

function formatMs(ms: number): string {
  return ms < 10 ? `${ms.toFixed(1)} ms` : `${Math.round(ms)} ms`;
}

/** The health report's entry per firing alert; with none firing, one entry without a component. */
const FIRING = 'alerts:firing';

/** Three significant digits, whole numbers kept whole: 12.3456 → 12.3, 0.123456 → 0.123, 1234.5 → 1235. */
export function significant(value: number): number {
  if (Number.isInteger(value) || value === 0) return value;
  const magnitude = Math.floor(Math.log10(Math.abs(value)));
  return round(value, Math.max(0, 2 - magnitude));
}

function round(value: number, digits: number): number {
  const factor = 10 ** digits;
  return Math.round(value * factor) / factor;
}
