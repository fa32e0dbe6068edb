import type { AlertEvent, AlertPhase, AlertRule, AlertState, Comparison } from '../schema/alert.ts';
import type { ClusterView } from '../schema/cluster.ts';
import { resolveAlertMetric } from './metrics.ts';

export interface AlertEvaluation {
  state: Record<string, AlertState>;
  /** One per phase change, for history. Only `isNotifiable` ones go to webhooks. */
  events: AlertEvent[];
}

/**
 * One tick of the alert state machine. Per enabled rule:
 * inactive/resolved → pending when the condition holds (straight to firing when `forMs` is 0);
 * pending → firing once it has held for `forMs`, or back to inactive if it stops holding first;
 * firing → resolved only when the value is back past the threshold by the hysteresis margin.
 * A rule that is disabled or removed while firing resolves; otherwise it is just dropped.
 * `previousView` lets delta metrics such as `errors.rate` use the last interval; `metrics` carries
 * values that are not in the view (the SLO's burn rates, `slo.burn_rate.1h`).
 */
export function evaluateAlerts(
  rules: AlertRule[],
  previous: Record<string, AlertState>,
  view: ClusterView,
  now: number,
  previousView: ClusterView | null = null,
  metrics: Record<string, number | null> = {},
): AlertEvaluation {
  const state: Record<string, AlertState> = {};
  const events: AlertEvent[] = [];
  const active = new Set<string>();

  for (const rule of rules) {
    if (!rule.enabled) continue;
    active.add(rule.id);
    const resolve = (metric: string) =>
      Object.hasOwn(metrics, metric)
        ? (metrics[metric] ?? null)
        : resolveAlertMetric(view, metric, previousView);
    const value = resolve(rule.metric);
    const confirm = rule.confirmMetric === undefined ? undefined : resolve(rule.confirmMetric);
    const before = previous[rule.id] ?? initialState(rule, now);
    const next = step(rule, before, value, confirm, now);
    state[rule.id] = next;
    if (next.phase !== before.phase) events.push(eventFor(rule, before.phase, next, now));
  }

  for (const [ruleId, old] of Object.entries(previous)) {
    if (active.has(ruleId) || old.phase !== 'firing') continue;
    const rule = rules.find((r) => r.id === ruleId);
    events.push({
      ruleId,
      from: 'firing',
      to: 'resolved',
      severity: old.severity,
      value: old.value,
      threshold: rule?.threshold ?? 0,
      at: now,
      description: rule ? `${rule.description} (rule disabled)` : 'rule removed while firing',
      metric: rule?.metric ?? '',
    });
  }
  return { state, events };
}

/** Firing and resolving are what people get paged for; pending and its quiet return are history only. */
export function isNotifiable(event: AlertEvent): boolean {
  return event.to === 'firing' || (event.from === 'firing' && event.to === 'resolved');
}

/** `confirm` is the rule's confirmMetric value; undefined when the rule has none. */
function step(
  rule: AlertRule,
  s: AlertState,
  value: number | null,
  confirm: number | null | undefined,
  now: number,
): AlertState {
  const held = { ...s, severity: rule.severity, value };
  const breaches = (v: number | null) => v !== null && compare(v, rule.comparison, rule.threshold);
  const breaching = breaches(value) && (confirm === undefined || breaches(confirm));
  switch (s.phase) {
    case 'inactive':
    case 'resolved':
      if (!breaching) return held;
      return rule.forMs === 0 ? fire(held, now) : { ...held, phase: 'pending', since: now };
    case 'pending':
      if (!breaching) return { ...held, phase: 'inactive', since: now };
      return now - s.since >= rule.forMs ? fire(held, now) : held;
    case 'firing':
      return cleared(rule, value) || (confirm !== undefined && cleared(rule, confirm))
        ? { ...held, phase: 'resolved', since: now, resolvedAt: now }
        : held;
  }
}

function fire(s: AlertState, now: number): AlertState {
  return { ...s, phase: 'firing', since: now, firedAt: now, resolvedAt: null };
}

function compare(value: number, comparison: Comparison, threshold: number): boolean {
  switch (comparison) {
    case '>':
      return value > threshold;
    case '>=':
      return value >= threshold;
    case '<':
      return value < threshold;
    case '<=':
      return value <= threshold;
    case '==':
      return value === threshold;
    case '!=':
      return value !== threshold;
  }
}

/** Whether `value` would keep a firing alert on `rule` firing (it has not cleared the hysteresis margin). */
export function keepsFiring(rule: AlertRule, value: number | null): boolean {
  return !cleared(rule, value);
}

/**
 * Whether a firing alert may resolve: the value must be back past the threshold by
 * |threshold| × hysteresis (for `> 500` with 0.1: at or below 450). A missing value resolves.
 */
function cleared(rule: AlertRule, value: number | null): boolean {
  if (value === null) return true;
  const margin = Math.abs(rule.threshold) * rule.hysteresis;
  switch (rule.comparison) {
    case '>':
      return value <= rule.threshold - margin;
    case '>=':
      return value < rule.threshold - margin;
    case '<':
      return value >= rule.threshold + margin;
    case '<=':
      return value > rule.threshold + margin;
    case '==':
      return Math.abs(value - rule.threshold) > margin;
    case '!=':
      return value === rule.threshold;
  }
}

function initialState(rule: AlertRule, now: number): AlertState {
  return {
    ruleId: rule.id,
    phase: 'inactive',
    severity: rule.severity,
    since: now,
    value: null,
    firedAt: null,
    resolvedAt: null,
  };
}

function eventFor(rule: AlertRule, from: AlertPhase, next: AlertState, now: number): AlertEvent {
  return {
    ruleId: rule.id,
    from,
    to: next.phase,
    severity: rule.severity,
    value: next.value,
    threshold: rule.threshold,
    at: now,
    description: rule.description,
    metric: rule.metric,
  };
}
