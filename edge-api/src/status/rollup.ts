import { z } from 'zod';

export const HOUR_MS = 60 * 60_000;
export const DAY_MS = 24 * HOUR_MS;
/** Both rollups are kept 90 days: 2,160 hours and 90 days, whatever the uptime of the edge. */
export const RETENTION_MS = 90 * DAY_MS;

export type RollupSpan = 'hour' | 'day';
export const SPAN_MS: Record<RollupSpan, number> = { hour: HOUR_MS, day: DAY_MS };

/** Where time goes: the cluster's health at each tick, or a maintenance window (whatever the health). */
export const StatusState = z.enum(['pass', 'warn', 'fail', 'maintenance']);
export type StatusState = z.infer<typeof StatusState>;

const ms = z.number().int().nonnegative();
const Aggregate = z.object({ min: z.number(), max: z.number(), sum: z.number(), count: z.number().int() });
type Aggregate = z.infer<typeof Aggregate>;

/** One hour or one UTC day of cluster health; a few hundred bytes of JSON whatever the cluster's size. */
export const HealthRollup = z.object({
  /** Start of the hour or UTC day (ms). */
  at: z.number().int(),
  /** Milliseconds observed in each state; time the edge did not run is in none of them. */
  ms: z.object({ pass: ms, warn: ms, fail: ms, maintenance: ms }),
  /** Cluster connections over the ticks of the bucket. */
  connections: Aggregate.nullable(),
  /** Errors the nodes counted in the bucket (sum of the per-tick increases of `errors.count`). */
  errors: z.number().nonnegative(),
  /** The per-tick p95 of event latency (ms): min, max and the sum for the average. */
  latencyP95: Aggregate.nullable(),
  /** The largest per-tick p99 of event latency (ms). */
  latencyP99Max: z.number().nullable(),
});
export type HealthRollup = z.infer<typeof HealthRollup>;

/** What one tick contributes. `spanMs` is the time since the previous tick, already capped. */
export interface TickObservation {
  at: number;
  spanMs: number;
  state: StatusState;
  connections: number | null;
  errors: number;
  latencyP95: number | null;
  latencyP99: number | null;
}

export function bucketOf(at: number, span: RollupSpan): number {
  return at - (at % SPAN_MS[span]);
}

export function emptyRollup(at: number): HealthRollup {
  return {
    at,
    ms: { pass: 0, warn: 0, fail: 0, maintenance: 0 },
    connections: null,
    errors: 0,
    latencyP95: null,
    latencyP99Max: null,
  };
}

function fold(agg: Aggregate | null, value: number | null): Aggregate | null {
  if (value === null) return agg;
  if (!agg) return { min: value, max: value, sum: value, count: 1 };
  return {
    min: Math.min(agg.min, value),
    max: Math.max(agg.max, value),
    sum: agg.sum + value,
    count: agg.count + 1,
  };
}

/** The rollup with one tick added (a new object; the input is not changed). */
export function addTick(rollup: HealthRollup, tick: TickObservation): HealthRollup {
  return {
    at: rollup.at,
    ms: { ...rollup.ms, [tick.state]: rollup.ms[tick.state] + Math.round(tick.spanMs) },
    connections: fold(rollup.connections, tick.connections),
    errors: rollup.errors + tick.errors,
    latencyP95: fold(rollup.latencyP95, tick.latencyP95),
    latencyP99Max:
      tick.latencyP99 === null
        ? rollup.latencyP99Max
        : Math.max(rollup.latencyP99Max ?? tick.latencyP99, tick.latencyP99),
  };
}

/**
 * The open hour and the open day. A tick from a later bucket closes the open one: it is returned
 * in `closed` so its final figures are written before the new bucket starts.
 */
export class RollupClock {
  private open: Record<RollupSpan, HealthRollup | null> = { hour: null, day: null };

  /** Continues buckets restored from storage (after a restart or a Durable Object eviction). */
  resume(span: RollupSpan, rollup: HealthRollup): void {
    this.open[span] = rollup;
  }

  current(span: RollupSpan): HealthRollup | null {
    return this.open[span];
  }

  add(tick: TickObservation): {
    hour: HealthRollup;
    day: HealthRollup;
    closed: { span: RollupSpan; rollup: HealthRollup }[];
  } {
    const closed: { span: RollupSpan; rollup: HealthRollup }[] = [];
    const next = (span: RollupSpan): HealthRollup => {
      const at = bucketOf(tick.at, span);
      let open = this.open[span];
      if (open && open.at !== at) {
        if (open.at < at) closed.push({ span, rollup: open });
        open = null;
      }
      const updated = addTick(open ?? emptyRollup(at), tick);
      this.open[span] = updated;
      return updated;
    };
    return { hour: next('hour'), day: next('day'), closed };
  }
}

/** Time counted as up and as down; maintenance is neither. */
export function upAndDown(rollups: Iterable<HealthRollup>): {
  upMs: number;
  downMs: number;
  maintenanceMs: number;
} {
  let upMs = 0;
  let downMs = 0;
  let maintenanceMs = 0;
  for (const r of rollups) {
    upMs += r.ms.pass + r.ms.warn;
    downMs += r.ms.fail;
    maintenanceMs += r.ms.maintenance;
  }
  return { upMs, downMs, maintenanceMs };
}

/**
 * Uptime as a fraction: time in `pass` or `warn` over time in `pass`, `warn` or `fail`. Maintenance
 * windows and time nobody observed (the edge not running) are left out; null when nothing was observed.
 */
export function uptimeOf(rollups: Iterable<HealthRollup>): number | null {
  const { upMs, downMs } = upAndDown(rollups);
  return upMs + downMs === 0 ? null : upMs / (upMs + downMs);
}

export const UPTIME_WINDOWS = ['24h', '7d', '30d', '90d'] as const;
export type UptimeWindow = (typeof UPTIME_WINDOWS)[number];
export const UptimeWindow = z.enum(UPTIME_WINDOWS);

/** Each window as whole buckets ending with the open one: 24 and 168 hours, 30 and 90 UTC days. */
export const WINDOW_BUCKETS: Record<UptimeWindow, { span: RollupSpan; count: number }> = {
  '24h': { span: 'hour', count: 24 },
  '7d': { span: 'hour', count: 168 },
  '30d': { span: 'day', count: 30 },
  '90d': { span: 'day', count: 90 },
};

/** The first bucket start a window covers at `now`. */
export function windowStart(window: UptimeWindow, now: number): number {
  const { span, count } = WINDOW_BUCKETS[window];
  return bucketOf(now, span) - (count - 1) * SPAN_MS[span];
}
