import type { AlertPhase, Severity } from '../schema/alert.ts';
import type { ClusterView, NodeSummary } from '../schema/cluster.ts';
import type { HealthCheck, HealthReport, HealthStatus } from '../schema/health.ts';

/** The part of an alert's state health needs; AlertState fits. Entries without `phase` count as firing. */
export interface HealthAlert {
  ruleId: string;
  severity: Severity;
  phase?: AlertPhase;
  value?: number | null;
}

export interface HealthOptions {
  expectedNodes: number;
  serviceId: string;
  version?: string;
  /** Why the store could not be read this time; set means fail, whatever view is passed. */
  storeError?: string | null;
  alerts?: HealthAlert[];
  /** Check timestamps; defaults to the view's generatedAt. */
  now?: number;
}

const RANK: Record<HealthStatus, number> = { pass: 0, warn: 1, fail: 2 };
const ALERT_STATUS: Record<Severity, HealthStatus> = {
  info: 'pass',
  warning: 'warn',
  critical: 'fail',
  emergency: 'fail',
};

/**
 * Cluster health: fail when the store is unreachable, no node is live, fewer than the
 * expected nodes are live, or a critical/emergency alert fires; warn when a node is stale, lost or
 * sent an invalid snapshot, a node is in maintenance, a node reports Redis down, or a warning
 * alert fires; otherwise pass.
 * The overall status is the worst check, and `output` lists the reasons in words.
 */
export function evaluateHealth(view: ClusterView | null, options: HealthOptions): HealthReport {
  const time = new Date(options.now ?? view?.generatedAt ?? Date.now()).toISOString();
  const checks: Record<string, HealthCheck[]> = {};
  const reasons: { status: HealthStatus; text: string }[] = [];
  const add = (key: string, check: Omit<HealthCheck, 'time'>, reason?: string) => {
    const entry = { ...check, time };
    const entries = checks[key];
    if (entries) entries.push(entry);
    else checks[key] = [entry];
    if (check.status !== 'pass' && reason) reasons.push({ status: check.status, text: reason });
  };

  const storeError = options.storeError ?? (view ? null : 'no cluster view has been read yet');
  add(
    'store:reachable',
    {
      componentType: 'datastore',
      observedValue: storeError === null,
      status: storeError === null ? 'pass' : 'fail',
      ...(storeError === null ? {} : { output: storeError }),
    },
    `store unreachable: ${storeError}`,
  );

  if (view) checkNodes(view, options.expectedNodes, add);
  checkAlerts(options.alerts ?? [], add);

  const status = reasons.reduce<HealthStatus>(
    (worst, r) => (RANK[r.status] > RANK[worst] ? r.status : worst),
    'pass',
  );
  const ordered = [...reasons].sort((a, b) => RANK[b.status] - RANK[a.status]);
  return {
    status,
    ...(options.version ? { version: options.version } : {}),
    serviceId: options.serviceId,
    description: `Telltale cluster ${view?.cluster ?? options.serviceId}`,
    ...(ordered.length > 0 ? { output: ordered.map((r) => r.text).join('; ') } : {}),
    checks,
  };
}

type Add = (key: string, check: Omit<HealthCheck, 'time'>, reason?: string) => void;

function checkNodes(view: ClusterView, expectedNodes: number, add: Add): void {
  const live = view.nodes.live;
  const liveProblem =
    live === 0
      ? 'no socket node is live'
      : live < expectedNodes
        ? `only ${live} of ${expectedNodes} expected nodes are live`
        : null;
  add(
    'nodes:live',
    {
      componentType: 'system',
      observedValue: live,
      observedUnit: 'nodes',
      status: liveProblem ? 'fail' : 'pass',
      output: liveProblem ?? `${live} live, ${expectedNodes} expected`,
    },
    liveProblem ?? undefined,
  );

  for (const node of view.nodes.list) {
    const problem = nodeProblem(node, view.generatedAt);
    add(
      'nodes:state',
      {
        componentId: node.id,
        componentType: 'system',
        observedValue: node.state,
        status: problem ? 'warn' : 'pass',
        ...(problem ? { output: problem } : {}),
      },
      problem ? `node ${node.id} ${problem}` : undefined,
    );
    const mode = modeCheck(node);
    if (mode) add('nodes:mode', mode, mode.status === 'pass' ? undefined : `node ${node.id} ${mode.output}`);
    if (node.redis) {
      const { connected } = node.redis;
      // A node's first snapshot is built before any flush measured Redis: that is no finding.
      const output =
        connected === false
          ? 'node reports its Redis connection down'
          : connected === null
            ? 'not measured yet'
            : undefined;
      add(
        'redis:connected',
        {
          componentId: node.id,
          componentType: 'datastore',
          ...(connected === null ? {} : { observedValue: connected }),
          status: connected === false ? 'warn' : 'pass',
          ...(output ? { output } : {}),
        },
        connected === false ? `node ${node.id} ${output}` : undefined,
      );
    }
  }

  add('connections:total', {
    componentType: 'component',
    observedValue: view.connections.total,
    observedUnit: 'connections',
    status: 'pass',
  });
  const refused = view.connections.refused;
  if (refused) {
    const reasons = Object.entries(refused.by_reason)
      .filter(([, n]) => n > 0)
      .map(([reason, n]) => `${reason} ${n}`);
    add('connections:refused', {
      componentType: 'component',
      observedValue: refused.count,
      observedUnit: 'connections',
      status: 'pass',
      output: reasons.length > 0 ? `refused since the nodes started: ${reasons.join(', ')}` : 'none refused',
    });
  }
  if (view.events.latency.p99 !== null) {
    add('latency:p99', {
      componentType: 'component',
      observedValue: significant(view.events.latency.p99),
      observedUnit: 'ms',
      status: 'pass',
    });
  }
}

/**
 * A node in maintenance refuses every new connection while its snapshot says it is live: that is a
 * warning, so `/health` and the dashboard say so instead of passing. Draining is a node shutting
 * down on purpose, which passes. Nodes without a snapshot have no mode and no entry.
 */
function modeCheck(node: NodeSummary): Omit<HealthCheck, 'time'> | null {
  if (node.mode === null || (node.state !== 'live' && node.state !== 'stale')) return null;
  const output = {
    starting: 'starting',
    running: undefined,
    maintenance: 'is in maintenance mode: it refuses every new connection',
    draining: 'is shutting down: it refuses new connections',
  }[node.mode];
  return {
    componentId: node.id,
    componentType: 'system',
    observedValue: node.mode,
    status: node.mode === 'maintenance' ? 'warn' : 'pass',
    ...(output ? { output } : {}),
  };
}

/** Three significant digits: the latency sketch is accurate to 1 %, more digits are noise. */
function significant(value: number): number {
  if (value === 0 || !Number.isFinite(value)) return value;
  const digits = Math.max(0, 2 - Math.floor(Math.log10(Math.abs(value))));
  const factor = 10 ** digits;
  return Math.round(value * factor) / factor;
}

function nodeProblem(node: NodeSummary, now: number): string | null {
  if (node.state === 'live') return null;
  const ago = node.lastFlushAt === null ? 'unknown' : `${Math.round((now - node.lastFlushAt) / 1000)} s ago`;
  if (node.state === 'stale') return `is stale (last flush ${ago})`;
  if (node.state === 'lost')
    return `is lost (its snapshot expired without a graceful leave; last flush ${ago})`;
  if (node.state === 'invalid') return `sent an invalid snapshot: ${node.error ?? 'unknown error'}`;
  return null;
}

function checkAlerts(alerts: HealthAlert[], add: Add): void {
  const firing = alerts.filter((a) => (a.phase ?? 'firing') === 'firing');
  if (firing.length === 0) {
    add('alerts:firing', { componentType: 'component', observedValue: 0, status: 'pass' });
    return;
  }
  // One entry per firing alert: its value goes in the words, so a number read off the check is a count.
  for (const alert of firing) {
    const status = ALERT_STATUS[alert.severity];
    const value = alert.value == null ? '' : ` (value ${significant(alert.value)})`;
    add(
      'alerts:firing',
      {
        componentId: alert.ruleId,
        componentType: 'component',
        status,
        output: `${alert.severity} alert ${alert.ruleId} is firing${value}`,
      },
      `${alert.severity} alert ${alert.ruleId} is firing`,
    );
  }
}

export function healthHttpStatus(report: HealthReport): 200 | 503 {
  return report.status === 'fail' ? 503 : 200;
}
