import { type ClusterView, LatencySketch, latencySummary, SketchData } from '@telltale/shared';
import { z } from 'zod';

export const TICK_RETENTION_MS = 2 * 60 * 60_000;
export const MINUTE_RETENTION_MS = 24 * 60 * 60_000;
export const MINUTE_MS = 60_000;

/** The numeric series kept over time, named by their path in the ClusterView. */
export const SERIES = {
  'connections.total': (v) => v.connections.total,
  'connections.hub': (v) => v.connections.hub ?? 0,
  'connections.portal': (v) => v.connections.portal ?? 0,
  'connections.rate.1m': (v) => v.connections.rate['1m'],
  'disconnections.rate.1m': (v) => v.disconnections.rate['1m'],
  'events.throughput.inbound': (v) => v.events.throughput.inbound,
  'events.throughput.outbound': (v) => v.events.throughput.outbound,
  // Each tick's own interval, so a chart point is the rate over its interval, not a minute's average.
  'connections.rate.interval': (v) => v.connections.rate.interval ?? null,
  'disconnections.rate.interval': (v) => v.disconnections.rate.interval ?? null,
  'events.throughput.interval.inbound': (v) => v.events.throughput.interval?.inbound ?? null,
  'events.throughput.interval.outbound': (v) => v.events.throughput.interval?.outbound ?? null,
  'events.latency.avg': (v) => v.events.latency.avg,
  'events.latency.p50': (v) => v.events.latency.p50,
  'events.latency.p95': (v) => v.events.latency.p95,
  'events.latency.p99': (v) => v.events.latency.p99,
  'errors.count': (v) => v.errors.count,
  'rooms.total': (v) => v.rooms.total,
  'presence.online': (v) => v.presence.online,
  'presence.away': (v) => v.presence.away,
  'presence.stale_clients': (v) => v.presence.stale_clients,
  'server.memory.heap': (v) => v.server.memory.heap,
  'server.memory.rss': (v) => v.server.memory.rss,
  'redis.latency': (v) => v.redis.latency,
  'nodes.live': (v) => v.nodes.live,
  'nodes.stale': (v) => v.nodes.stale,
  'nodes.lost': (v) => v.nodes.lost,
} satisfies Record<string, (view: ClusterView) => number | null>;

export type SeriesName = keyof typeof SERIES;

export const TickPoint = z.object({
  at: z.number(),
  values: z.record(z.string(), z.number().nullable()),
});
export type TickPoint = z.infer<typeof TickPoint>;

const Aggregate = z.object({ min: z.number(), max: z.number(), sum: z.number(), count: z.number().int() });
export type Aggregate = z.infer<typeof Aggregate>;

/** One minute: min/max/sum/count per series so averages stay exact, and the merged latency sketch. */
export const MinuteRollup = z.object({
  at: z.number(),
  ticks: z.number().int().nonnegative(),
  series: z.record(z.string(), Aggregate),
  latency: SketchData,
});
export type MinuteRollup = z.infer<typeof MinuteRollup>;

export function tickPoint(view: ClusterView): TickPoint {
  const values: Record<string, number | null> = {};
  for (const [name, pick] of Object.entries(SERIES)) values[name] = pick(view);
  return { at: view.generatedAt, values };
}

export function minuteOf(at: number): number {
  return at - (at % MINUTE_MS);
}

/** Folds ticks into the rollup of their minute; a tick from a later minute starts a new one. */
export class MinuteAccumulator {
  private current: {
    at: number;
    ticks: number;
    series: Record<string, Aggregate>;
    sketch: LatencySketch;
  } | null = null;

  /** Adds the view and returns the (partial) rollup of its minute. */
  add(view: ClusterView): MinuteRollup {
    const at = minuteOf(view.generatedAt);
    if (!this.current || this.current.at !== at) {
      this.current = { at, ticks: 0, series: {}, sketch: new LatencySketch(view.windowSketch.a) };
    }
    const minute = this.current;
    minute.ticks++;
    for (const [name, value] of Object.entries(tickPoint(view).values)) {
      if (value === null) continue;
      const agg = minute.series[name];
      if (!agg) minute.series[name] = { min: value, max: value, sum: value, count: 1 };
      else {
        agg.min = Math.min(agg.min, value);
        agg.max = Math.max(agg.max, value);
        agg.sum += value;
        agg.count++;
      }
    }
    minute.sketch.merge(LatencySketch.fromJSON(view.windowSketch));
    return {
      at: minute.at,
      ticks: minute.ticks,
      series: structuredClone(minute.series),
      latency: minute.sketch.toJSON(),
    };
  }

  /** Continues a minute restored from storage (after a restart or DO eviction). */
  resume(rollup: MinuteRollup): void {
    this.current = {
      at: rollup.at,
      ticks: rollup.ticks,
      series: structuredClone(rollup.series),
      sketch: LatencySketch.fromJSON(rollup.latency),
    };
  }
}

export const HistoryQuery = z
  .object({
    minutes: z.coerce
      .number({ error: 'minutes must be a number' })
      .int('minutes must be a whole number')
      .min(1, 'minutes must be at least 1')
      .max(1440, 'minutes must be at most 1440 (24 h)')
      .default(60),
    resolution: z.enum(['auto', 'tick', '1m']).default('auto'),
  })
  .refine((q) => q.resolution !== 'tick' || q.minutes * MINUTE_MS <= TICK_RETENTION_MS, {
    message: 'tick resolution covers at most 120 minutes; use resolution=1m for longer windows',
    path: ['minutes'],
  });
export type HistoryQuery = z.infer<typeof HistoryQuery>;

export interface MinutePoint {
  at: number;
  ticks: number;
  series: Record<string, { min: number; max: number; avg: number; count: number }>;
  /** Percentiles of the minute's merged sketch — never an average of per-tick percentiles. */
  latency: ReturnType<typeof latencySummary>;
}

export type HistoryResponse =
  | { resolution: 'tick'; intervalMs: number; from: number; to: number; points: TickPoint[] }
  | { resolution: '1m'; intervalMs: number; from: number; to: number; points: MinutePoint[] };

export function minutePoint(rollup: MinuteRollup): MinutePoint {
  const series: MinutePoint['series'] = {};
  for (const [name, agg] of Object.entries(rollup.series)) {
    series[name] = { min: agg.min, max: agg.max, avg: agg.sum / agg.count, count: agg.count };
  }
  return {
    at: rollup.at,
    ticks: rollup.ticks,
    series,
    latency: latencySummary(LatencySketch.fromJSON(rollup.latency)),
  };
}

/** Ticks cover the last 2 h; longer windows (or an explicit `1m`) answer from minute rollups. */
export function resolutionFor(query: HistoryQuery): 'tick' | '1m' {
  if (query.resolution !== 'auto') return query.resolution;
  return query.minutes * MINUTE_MS <= TICK_RETENTION_MS ? 'tick' : '1m';
}
