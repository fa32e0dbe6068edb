import type { MetricFamily } from '../exposition/families.ts';

const MINUTE_MS = 60_000;
const HOUR_MS = 60 * MINUTE_MS;
const DAY_MS = 24 * HOUR_MS;

/** Per-minute counts for the burn-rate windows (the longest is 3 d), per-hour ones for the SLO window. */
const MINUTE_SLOTS = 3 * 24 * 60;
const HOUR_SLOTS = 90 * 24;
/** Each count is a uint16: 600 ticks a minute and 36 000 an hour at the fastest tick (100 ms) fit. */
const COUNT_MAX = 0xffff;

/** The longest SLO window the hourly ring holds. */
export const SLO_MAX_WINDOW_MS = HOUR_SLOTS * HOUR_MS;

/**
 * The series' stored size: (4 320 minutes + 2 160 hours) × (good, bad) × 2 bytes = 25 920 bytes,
 * 34 560 characters of base64 plus a few of JSON, rewritten once a minute.
 */
export const AVAILABILITY_SERIES_BYTES = (MINUTE_SLOTS + HOUR_SLOTS) * 2 * 2;

/** The burn-rate windows of the Google SRE workbook's multiwindow, multi-burn-rate alerts. */
export const BURN_RATE_WINDOWS = {
  '5m': 5 * MINUTE_MS,
  '30m': 30 * MINUTE_MS,
  '1h': HOUR_MS,
  '6h': 6 * HOUR_MS,
  '3d': 3 * DAY_MS,
} as const;
export type BurnRateWindow = keyof typeof BURN_RATE_WINDOWS;

/** The alert metric for the burn rate over one window: `slo.burn_rate.1h`. */
export const burnRateMetric = (window: BurnRateWindow) => `slo.burn_rate.${window}` as const;
export const SLO_ALERT_METRICS: readonly string[] = Object.keys(BURN_RATE_WINDOWS).map((w) =>
  burnRateMetric(w as BurnRateWindow),
);

export interface Counts {
  good: number;
  bad: number;
}

/**
 * Good and bad tick counts in two rings: one slot per minute for 3 days, one per hour for 90.
 * A window of N minutes is the current (partial) minute and the N − 1 before it, so a 5 m window
 * covers between 4 and 5 minutes of ticks; windows over 3 days are counted in whole hours the same way.
 */
export class AvailabilitySeries {
  private readonly minutes = new Uint16Array(MINUTE_SLOTS * 2);
  private readonly hours = new Uint16Array(HOUR_SLOTS * 2);
  /** The newest minute (epoch minutes) counted; null while empty. */
  private last: number | null = null;

  add(at: number, good: number, bad: number): void {
    const minute = Math.floor(at / MINUTE_MS);
    if (this.last !== null && minute < this.last) return;
    this.advance(minute);
    bump(this.minutes, minute % MINUTE_SLOTS, good, bad);
    bump(this.hours, Math.floor(minute / 60) % HOUR_SLOTS, good, bad);
  }

  /** Counts over the window ending at `now` (at most 3 days in minutes, else in hours, up to 90 days). */
  counts(windowMs: number, now: number): Counts {
    const nowMinute = Math.floor(now / MINUTE_MS);
    if (this.last === null) return { good: 0, bad: 0 };
    if (windowMs <= MINUTE_SLOTS * MINUTE_MS) {
      return sum(this.minutes, MINUTE_SLOTS, nowMinute, Math.ceil(windowMs / MINUTE_MS), this.last);
    }
    const slots = Math.min(HOUR_SLOTS, Math.ceil(windowMs / HOUR_MS));
    return sum(this.hours, HOUR_SLOTS, Math.floor(nowMinute / 60), slots, Math.floor(this.last / 60));
  }

  /** Base64 of both rings (little-endian uint16) with the newest minute, as JSON. */
  encode(): string {
    return JSON.stringify({
      v: 1,
      last: this.last,
      minutes: toBase64(this.minutes),
      hours: toBase64(this.hours),
    });
  }

  /** A stored series; an empty one when `raw` is missing or not one this code wrote. */
  static decode(raw: string | null): AvailabilitySeries {
    const series = new AvailabilitySeries();
    if (raw === null) return series;
    try {
      const parsed = JSON.parse(raw) as { v?: unknown; last?: unknown; minutes?: unknown; hours?: unknown };
      if (parsed.v !== 1 || typeof parsed.last !== 'number' || !Number.isInteger(parsed.last)) return series;
      if (typeof parsed.minutes !== 'string' || typeof parsed.hours !== 'string') return series;
      const minutes = fromBase64(parsed.minutes, MINUTE_SLOTS * 2);
      const hours = fromBase64(parsed.hours, HOUR_SLOTS * 2);
      if (!minutes || !hours) return series;
      series.minutes.set(minutes);
      series.hours.set(hours);
      series.last = parsed.last;
    } catch {
      return new AvailabilitySeries();
    }
    return series;
  }

  /** Zeroes the slots between the newest minute counted and `minute`, in both rings. */
  private advance(minute: number): void {
    const last = this.last;
    this.last = minute;
    if (last === null || last === minute) return;
    for (let m = Math.max(last + 1, minute - MINUTE_SLOTS + 1); m <= minute; m++)
      clear(this.minutes, m % MINUTE_SLOTS);
    const lastHour = Math.floor(last / 60);
    const hour = Math.floor(minute / 60);
    for (let h = Math.max(lastHour + 1, hour - HOUR_SLOTS + 1); h <= hour; h++)
      clear(this.hours, h % HOUR_SLOTS);
  }
}

function bump(ring: Uint16Array, slot: number, good: number, bad: number): void {
  ring[slot * 2] = Math.min(COUNT_MAX, (ring[slot * 2] ?? 0) + good);
  ring[slot * 2 + 1] = Math.min(COUNT_MAX, (ring[slot * 2 + 1] ?? 0) + bad);
}

function clear(ring: Uint16Array, slot: number): void {
  ring[slot * 2] = 0;
  ring[slot * 2 + 1] = 0;
}

/** Sums `count` slots ending at `end`, skipping any after `newest` or too old for the ring. */
function sum(ring: Uint16Array, size: number, end: number, count: number, newest: number): Counts {
  let good = 0;
  let bad = 0;
  const from = Math.max(end - count + 1, newest - size + 1);
  for (let i = from; i <= Math.min(end, newest); i++) {
    good += ring[(i % size) * 2] ?? 0;
    bad += ring[(i % size) * 2 + 1] ?? 0;
  }
  return { good, bad };
}

function toBase64(ring: Uint16Array): string {
  const bytes = new Uint8Array(ring.length * 2);
  const view = new DataView(bytes.buffer);
  for (let i = 0; i < ring.length; i++) view.setUint16(i * 2, ring[i] ?? 0, true);
  let binary = '';
  for (let i = 0; i < bytes.length; i += 0x8000)
    binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(binary);
}

function fromBase64(text: string, length: number): Uint16Array | null {
  const binary = atob(text);
  if (binary.length !== length * 2) return null;
  const out = new Uint16Array(length);
  for (let i = 0; i < length; i++) out[i] = binary.charCodeAt(i * 2) | (binary.charCodeAt(i * 2 + 1) << 8);
  return out;
}

export interface SloObjective {
  /** SLO_TARGET: the fraction of good ticks promised (0.999). */
  target: number;
  /** SLO_WINDOW in ms (30 d). */
  windowMs: number;
}

/** Where the SLO stands: availability and error budget over its window, burn rates per alert window. */
export interface SloReport {
  target: number;
  windowMs: number;
  /** Ticks counted in the window. */
  good: number;
  bad: number;
  /** good / (good + bad); null before any tick. */
  availability: number | null;
  /** 1 − bad / ((1 − target) × ticks): 1 untouched, 0 spent, below 0 overspent; null before any tick. */
  errorBudgetRemaining: number | null;
  /** Error ratio over each window ÷ (1 − target); null for a window without ticks. */
  burnRates: Record<BurnRateWindow, number | null>;
  /** What a good and a bad tick are, for people reading the report. */
  definition: string;
}

export const SLO_DEFINITION =
  "Each aggregator tick is one sample: bad when the cluster's health is fail (store unreachable, no live node, fewer than EXPECTED_NODES live, or a critical alert other than the SLO's own burn-rate alerts firing), good otherwise; warn is good. Availability is good ÷ all ticks over SLO_WINDOW.";

export function sloReport(series: AvailabilitySeries, objective: SloObjective, now: number): SloReport {
  const { good, bad } = series.counts(objective.windowMs, now);
  const total = good + bad;
  const allowed = errorBudget(objective) * total;
  const burnRates = Object.fromEntries(
    Object.entries(BURN_RATE_WINDOWS).map(([window, ms]) => [
      window,
      burnRate(series.counts(ms, now), objective),
    ]),
  ) as Record<BurnRateWindow, number | null>;
  return {
    target: objective.target,
    windowMs: objective.windowMs,
    good,
    bad,
    availability: total === 0 ? null : good / total,
    errorBudgetRemaining: total === 0 ? null : 1 - bad / allowed,
    burnRates,
    definition: SLO_DEFINITION,
  };
}

/** How fast the window spends the budget: 1 spends exactly all of it over the SLO window. */
export function burnRate(counts: Counts, objective: SloObjective): number | null {
  const total = counts.good + counts.bad;
  return total === 0 ? null : counts.bad / total / errorBudget(objective);
}

/** 1 − target without float noise (1 − 0.999 is 0.0010000000000000009): targets have at most 5 decimals. */
function errorBudget(objective: SloObjective): number {
  return Math.round((1 - objective.target) * 1e9) / 1e9;
}

/** The burn rates as alert metrics (`slo.burn_rate.5m` …) for the engine. */
export function sloAlertMetrics(report: SloReport): Record<string, number | null> {
  return Object.fromEntries(
    Object.entries(report.burnRates).map(([window, rate]) => [
      burnRateMetric(window as BurnRateWindow),
      rate,
    ]),
  );
}

/** The SLO as Prometheus gauges on the edge's /metrics. */
export function sloMetricFamilies(report: SloReport): MetricFamily[] {
  const one = (value: number | null) => (value === null ? [] : [{ labels: {}, value }]);
  return [
    {
      name: 'telltale_slo_objective_ratio',
      type: 'gauge',
      unit: 'ratio',
      help: 'Availability objective (SLO_TARGET): the fraction of aggregator ticks that must not be fail.',
      samples: one(report.target),
    },
    {
      name: 'telltale_slo_window_seconds',
      type: 'gauge',
      unit: 'seconds',
      help: 'Over how long the SLO is counted (SLO_WINDOW).',
      samples: one(report.windowMs / 1000),
    },
    {
      name: 'telltale_slo_window_ticks',
      type: 'gauge',
      help: 'Aggregator ticks counted in the SLO window, good (health pass or warn) and bad (fail), maintenance windows left out.',
      samples: [
        { labels: { result: 'good' }, value: report.good },
        { labels: { result: 'bad' }, value: report.bad },
      ],
    },
    {
      name: 'telltale_slo_availability_ratio',
      type: 'gauge',
      unit: 'ratio',
      help: 'Good ticks over all ticks in the SLO window.',
      samples: one(report.availability),
    },
    {
      name: 'telltale_slo_error_budget_remaining_ratio',
      type: 'gauge',
      unit: 'ratio',
      help: 'Error budget left in the SLO window: 1 untouched, 0 spent, below 0 overspent.',
      samples: one(report.errorBudgetRemaining),
    },
    {
      name: 'telltale_slo_burn_rate',
      type: 'gauge',
      help: 'Error ratio over the window divided by the budget (1 - SLO_TARGET): 1 spends the budget in exactly SLO_WINDOW.',
      samples: Object.entries(report.burnRates).flatMap(([window, rate]) =>
        rate === null ? [] : [{ labels: { window }, value: rate }],
      ),
    },
  ];
}
