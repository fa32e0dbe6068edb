import type { CheckOutcome, PerfDatum } from './evaluate.ts';
import type { OutputFormat } from './options.ts';

export function formatOutcome(outcome: CheckOutcome, format: OutputFormat, checkedAt: Date): string {
  switch (format) {
    case 'nagios':
      return formatNagios(outcome);
    case 'json':
      return formatJson(outcome, checkedAt);
    case 'prometheus':
      return formatPrometheus(outcome);
  }
}

/** One plugin line: `TELLTALE <STATE> - <summary> | <perfdata>` (Nagios plugin guidelines). */
export function formatNagios(outcome: CheckOutcome): string {
  // A pipe would start the perfdata section early.
  const text = `TELLTALE ${outcome.state} - ${outcome.summary}`.replace(/\|/g, '/').replace(/\s*\n\s*/g, ' ');
  const perf = outcome.perfdata.map(formatPerfDatum).join(' ');
  return perf ? `${text} | ${perf}\n` : `${text}\n`;
}

export function formatPerfDatum(datum: PerfDatum): string {
  const label = /^[\w.:-]+$/.test(datum.label) ? datum.label : `'${datum.label.replace(/'/g, "''")}'`;
  const tail = [datum.warn, datum.crit, datum.min, datum.max].map((n) => (n === undefined ? '' : String(n)));
  while (tail.length > 0 && tail[tail.length - 1] === '') tail.pop();
  return [`${label}=${datum.value}${datum.uom}`, ...tail].join(';');
}

export function formatJson(outcome: CheckOutcome, checkedAt: Date): string {
  const { state, exitCode, summary, url, health, httpStatus, elapsedMs, problems, perfdata } = outcome;
  const body = {
    state,
    exitCode,
    summary,
    url,
    health,
    httpStatus,
    responseTimeMs: elapsedMs === null ? null : Math.round(elapsedMs * 10) / 10,
    problems,
    perfdata,
    checkedAt: checkedAt.toISOString(),
  };
  return `${JSON.stringify(body, null, 2)}\n`;
}

const HEALTH_STATUSES = ['pass', 'warn', 'fail'] as const;

/** Prometheus text format 0.0.4, e.g. for node_exporter's textfile collector or a pushgateway. */
export function formatPrometheus(outcome: CheckOutcome): string {
  const url = `url="${escapeLabel(outcome.url)}"`;
  const lines: string[] = [];
  const gauge = (name: string, help: string, series: string[]) => {
    lines.push(`# HELP ${name} ${help}`, `# TYPE ${name} gauge`, ...series);
  };
  gauge('telltale_check_up', 'Whether GET /health answered with a health report (1) or not (0).', [
    `telltale_check_up{${url}} ${outcome.health === null ? 0 : 1}`,
  ]);
  gauge('telltale_check_state', 'Nagios state of the check: 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN.', [
    `telltale_check_state{${url}} ${outcome.exitCode}`,
  ]);
  gauge(
    'telltale_check_health_status',
    'Cluster health reported by GET /health; the current status is 1, the others 0.',
    HEALTH_STATUSES.map(
      (status) =>
        `telltale_check_health_status{${url},status="${status}"} ${outcome.health === status ? 1 : 0}`,
    ),
  );
  if (outcome.elapsedMs !== null) {
    gauge('telltale_check_response_time_seconds', 'Time GET /health took to answer, in seconds.', [
      `telltale_check_response_time_seconds{${url}} ${Math.round(outcome.elapsedMs * 10) / 10_000}`,
    ]);
  }
  if (outcome.httpStatus !== null) {
    gauge('telltale_check_http_status_code', 'HTTP status code of GET /health.', [
      `telltale_check_http_status_code{${url}} ${outcome.httpStatus}`,
    ]);
  }
  return `${lines.join('\n')}\n`;
}

function escapeLabel(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}
