import { counterDeltas } from '../merge/rates.ts';
import type { ClusterView } from '../schema/cluster.ts';

type Derived = (view: ClusterView, previous: ClusterView | null) => number | null;

/**
 * Metrics computed from the view rather than read from it. Everything else is a dotted path into
 * the ClusterView (`events.latency.p95`, `connections.total`, `nodes.lost`, `presence.stale_clients`).
 */
export const DERIVED_ALERT_METRICS: Record<string, Derived> = {
  /**
   * Errors per inbound event (0.1 = 10 %), from counter deltas against the previous view when there
   * is one, else from the cumulative counters since the nodes started.
   */
  'errors.rate': (view, previous) => {
    const delta = counterDeltas(view, previous);
    const errors = delta ? delta.errors : view.errors.count;
    const events = delta ? delta.eventsIn : view.events.inbound.count;
    return events === 0 ? 0 : errors / events;
  },
  /** 1 when a counted node reports its Redis connection down; 0 when none do or no node counts. */
  'redis.down': (view) => (view.nodes.live + view.nodes.stale > 0 && !view.redis.connected ? 1 : 0),
  /** The largest node's resident memory; a per-node figure, because one node running out is the risk. */
  'memory.rss_max_bytes': (view) => maxOver(view, (n) => n.memory?.rss),
  'memory.heap_max_bytes': (view) => maxOver(view, (n) => n.memory?.heapUsed),
  'nodes.unavailable': (view) => view.nodes.lost + view.nodes.stale + view.nodes.invalid,
};

/** A metric's current value: a derived metric, or a numeric (or boolean, as 1/0) path into the view. */
export function resolveAlertMetric(
  view: ClusterView,
  metric: string,
  previous: ClusterView | null = null,
): number | null {
  const derived = DERIVED_ALERT_METRICS[metric];
  if (derived) return derived(view, previous);
  let value: unknown = view;
  for (const key of metric.split('.')) {
    if (typeof value !== 'object' || value === null || !Object.hasOwn(value, key)) return null;
    value = (value as Record<string, unknown>)[key];
  }
  if (typeof value === 'boolean') return value ? 1 : 0;
  return typeof value === 'number' && Number.isFinite(value) ? value : null;
}

function maxOver(view: ClusterView, pick: (n: ClusterView['nodes']['list'][number]) => number | undefined) {
  const values = view.nodes.list.flatMap((n) => {
    const v = pick(n);
    return v === undefined ? [] : [v];
  });
  return values.length === 0 ? null : Math.max(...values);
}
