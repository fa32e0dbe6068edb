import { AlertRule, type AlertRuleInput } from '../schema/alert.ts';
import { burnRateMetric } from './slo.ts';

const MINUTE = 60_000;

/**
 * The built-in rules: error rate and p95 latency warn at 5 % / 500 ms and are critical at 10 % / 1 s,
 * each held 5 minutes. Memory is per node RSS, because snapshots carry no heap limit to take a
 * percentage of. Stale clients are zombie sockets: a few are normal.
 */
const DEFAULTS: AlertRuleInput[] = [
  {
    id: 'error-rate-warning',
    description: 'More than 5 % of inbound events fail',
    metric: 'errors.rate',
    comparison: '>',
    threshold: 0.05,
    forMs: 5 * MINUTE,
    severity: 'warning',
  },
  {
    id: 'error-rate-critical',
    description: 'More than 10 % of inbound events fail',
    metric: 'errors.rate',
    comparison: '>',
    threshold: 0.1,
    forMs: 5 * MINUTE,
    severity: 'critical',
  },
  {
    id: 'latency-p95-warning',
    description: 'Event handler p95 latency above 500 ms',
    metric: 'events.latency.p95',
    comparison: '>',
    threshold: 500,
    forMs: 5 * MINUTE,
    severity: 'warning',
  },
  {
    id: 'latency-p95-critical',
    description: 'Event handler p95 latency above 1 s',
    metric: 'events.latency.p95',
    comparison: '>',
    threshold: 1000,
    forMs: 5 * MINUTE,
    severity: 'critical',
  },
  {
    id: 'memory-rss-high',
    description: 'A node uses more than 1.5 GB of resident memory',
    metric: 'memory.rss_max_bytes',
    comparison: '>',
    threshold: 1.5e9,
    forMs: 5 * MINUTE,
    severity: 'warning',
  },
  {
    id: 'redis-down',
    description: 'A socket node reports its Redis connection down',
    metric: 'redis.down',
    comparison: '>=',
    threshold: 1,
    forMs: 30_000,
    hysteresis: 0,
    severity: 'critical',
  },
  {
    id: 'node-lost',
    description: 'A socket node disappeared without deregistering',
    metric: 'nodes.lost',
    comparison: '>',
    threshold: 0,
    forMs: 0,
    severity: 'warning',
  },
  {
    id: 'stale-clients',
    description: 'More than 10 clients without a recent heartbeat',
    metric: 'presence.stale_clients',
    comparison: '>',
    threshold: 10,
    forMs: 5 * MINUTE,
    severity: 'warning',
  },
  // The SRE workbook's multiwindow, multi-burn-rate alerts on the availability SLO: both windows
  // must burn faster than the factor; the short one dropping resolves. critical pages, warning tickets.
  {
    id: 'slo-burn-page-1h',
    description: 'Error budget burning 14.4× over 1 h and 5 m (2 % of a 30-day budget in an hour)',
    metric: burnRateMetric('1h'),
    confirmMetric: burnRateMetric('5m'),
    comparison: '>',
    threshold: 14.4,
    hysteresis: 0,
    severity: 'critical',
  },
  {
    id: 'slo-burn-page-6h',
    description: 'Error budget burning 6× over 6 h and 30 m (5 % of a 30-day budget in 6 hours)',
    metric: burnRateMetric('6h'),
    confirmMetric: burnRateMetric('30m'),
    comparison: '>',
    threshold: 6,
    hysteresis: 0,
    severity: 'critical',
  },
  {
    id: 'slo-burn-ticket-3d',
    description: 'Error budget burning faster than 1× over 3 d and 6 h (10 % of a 30-day budget in 3 days)',
    metric: burnRateMetric('3d'),
    confirmMetric: burnRateMetric('6h'),
    comparison: '>',
    threshold: 1,
    hysteresis: 0,
    severity: 'warning',
  },
];

export function defaultAlertRules(): AlertRule[] {
  return DEFAULTS.map((rule) => AlertRule.parse(rule));
}
