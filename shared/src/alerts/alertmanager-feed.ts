import type { AlertRule, AlertState } from '../schema/alert.ts';
import type { ClusterView, NodeSummary } from '../schema/cluster.ts';
import { fingerprint } from './alertmanager.ts';
import { keepsFiring } from './engine.ts';

/** One element of the body of Alertmanager's `POST /api/v2/alerts` (models.PostableAlert). */
export interface PostableAlert {
  labels: Record<string, string>;
  annotations: Record<string, string>;
  startsAt: string;
  endsAt: string;
  generatorURL?: string;
}

export interface AlertmanagerFeedOptions {
  cluster: string;
  /** Where a human sees the alert; omitted from the alerts when unknown. */
  generatorUrl?: string;
  /** How often firing alerts are posted again: Prometheus's `--rules.alert.resend-delay` (1 m). */
  resendMs?: number;
  /** How long a resolved alert is still posted, so an Alertmanager that missed it learns it ended. */
  resolvedRetentionMs?: number;
}

/** Alertmanager forgets an alert whose `endsAt` passed; firing ones are extended by this many resends. */
const VALID_FOR_RESENDS = 4;
export const ALERTMANAGER_RESEND_MS = 60_000;
const RESOLVED_RETENTION_MS = 15 * 60_000;

interface TrackedAlert {
  labels: Record<string, string>;
  annotations: Record<string, string>;
  startsAt: number;
  resolvedAt: number | null;
}

type NodeTest = (node: NodeSummary, rule: AlertRule) => boolean;

/** Metrics about individual nodes: which nodes an alert on them is about. */
const NODE_SCOPED_METRICS: Record<string, NodeTest> = {
  'nodes.lost': (n) => n.state === 'lost',
  'nodes.stale': (n) => n.state === 'stale',
  'nodes.invalid': (n) => n.state === 'invalid',
  'nodes.unavailable': (n) => n.state !== 'live',
  'redis.down': (n) => (n.state === 'live' || n.state === 'stale') && n.redis?.connected === false,
  'memory.rss_max_bytes': (n, rule) => n.memory !== null && keepsFiring(rule, n.memory.rss),
  'memory.heap_max_bytes': (n, rule) => n.memory !== null && keepsFiring(rule, n.memory.heapUsed),
};

/**
 * The nodes a firing alert on `rule` is about, for a `node` label; null when the metric is
 * cluster-wide. A node's memory counts until it is back past the hysteresis margin, so its alert
 * does not flap while the rule stays firing.
 */
export function alertNodes(rule: AlertRule, view: ClusterView): string[] | null {
  const test = NODE_SCOPED_METRICS[rule.metric];
  if (!test) return null;
  return view.nodes.list.filter((n) => test(n, rule)).map((n) => n.id);
}

/**
 * The alerts to post to Alertmanager's API, kept the way Prometheus keeps them: one alert per
 * firing rule (per node for node metrics, with a `node` label), re-posted every `resendMs` with
 * `endsAt` four resends ahead, so Alertmanager keeps it active while we are alive and resolves it
 * on its own if we stop; a resolved alert is posted with its `endsAt` for 15 minutes.
 */
export class AlertmanagerFeed {
  private readonly tracked = new Map<string, TrackedAlert>();
  /** Firing rules at the last update, with the time each fired. */
  private firingRules = new Map<string, number>();
  private changed = Number.NEGATIVE_INFINITY;
  readonly resendMs: number;
  private readonly resolvedRetentionMs: number;

  constructor(private readonly options: AlertmanagerFeedOptions) {
    this.resendMs = options.resendMs ?? ALERTMANAGER_RESEND_MS;
    this.resolvedRetentionMs = options.resolvedRetentionMs ?? RESOLVED_RETENTION_MS;
  }

  /** When an alert last started or resolved: every Alertmanager that has not heard since is due now. */
  get changedAt(): number {
    return this.changed;
  }

  /** Brings the alerts in line with the engine's state after a tick. */
  update(rules: AlertRule[], state: Record<string, AlertState>, view: ClusterView, now: number): void {
    const firing = new Map<string, Omit<TrackedAlert, 'resolvedAt'>>();
    const firingRules = new Map<string, number>();
    for (const rule of rules) {
      const s = state[rule.id];
      if (s?.phase !== 'firing') continue;
      const firedAt = s.firedAt ?? now;
      firingRules.set(rule.id, firedAt);
      // A node that joins a rule that was already firing at the last update starts now.
      const joinedAt = this.firingRules.get(rule.id) === firedAt ? now : firedAt;
      const labels = { alertname: rule.id, cluster: this.options.cluster, severity: rule.severity };
      const annotations = {
        summary: `${rule.metric} is ${s.value ?? 'unknown'} (${rule.comparison} ${rule.threshold})`,
        description: rule.description,
      };
      const nodes = alertNodes(rule, view);
      if (!nodes?.length) {
        firing.set(fingerprint(labels), { labels, annotations, startsAt: firedAt });
        continue;
      }
      for (const node of nodes) {
        const set = { ...labels, node };
        firing.set(fingerprint(set), { labels: set, annotations, startsAt: joinedAt });
      }
    }
    this.firingRules = firingRules;

    for (const [id, alert] of firing) {
      const known = this.tracked.get(id);
      if (known?.resolvedAt === null) {
        known.annotations = alert.annotations;
        continue;
      }
      this.tracked.set(id, { ...alert, startsAt: Math.min(alert.startsAt, now), resolvedAt: null });
      this.changed = now;
    }
    for (const [id, alert] of this.tracked) {
      if (firing.has(id)) continue;
      if (alert.resolvedAt === null) {
        alert.resolvedAt = Math.max(now, alert.startsAt);
        this.changed = now;
      } else if (now - alert.resolvedAt > this.resolvedRetentionMs) {
        this.tracked.delete(id);
      }
    }
  }

  /** Every alert as Alertmanager should hold it at `now`. */
  alerts(now: number): PostableAlert[] {
    const validUntil = new Date(now + VALID_FOR_RESENDS * this.resendMs).toISOString();
    const generatorURL = this.options.generatorUrl;
    return [...this.tracked.values()].map((a) => ({
      labels: a.labels,
      annotations: a.annotations,
      startsAt: new Date(a.startsAt).toISOString(),
      endsAt: a.resolvedAt === null ? validUntil : new Date(a.resolvedAt).toISOString(),
      ...(generatorURL ? { generatorURL } : {}),
    }));
  }
}
