import { describe, expect, it } from 'vitest';
import type { AlertEvent, AlertState } from '../schema/alert.ts';
import type { ClusterView } from '../schema/cluster.ts';
import { defaultAlertRules } from './defaults.ts';
import { evaluateAlerts } from './engine.ts';
import { AVAILABILITY_SERIES_BYTES, AvailabilitySeries, sloAlertMetrics, sloReport } from './slo.ts';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
/** An hour boundary, so the expected times below line up with the series' minute and hour buckets. */
const T0 = 1_700_002_800_000;
const SLO = { target: 0.999, windowMs: 30 * DAY };
const BURN_RULES = defaultAlertRules().filter((r) => r.id.startsWith('slo-burn-'));

/** Never read: every metric of the burn-rate rules comes in the engine's `metrics`. */
const view = {} as ClusterView;

/** `minutes` of good history ending at T0, `perMinute` ticks a minute. */
function history(minutes: number, perMinute: number): AvailabilitySeries {
  const series = new AvailabilitySeries();
  for (let m = minutes; m >= 1; m--) series.add(T0 - m * MINUTE, perMinute, 0);
  return series;
}

/** Runs the default burn-rate rules once per call and records when each one fires and resolves. */
function alertRun() {
  let state: Record<string, AlertState> = {};
  const changes: { ruleId: string; to: string; atS: number }[] = [];
  return {
    changes,
    evaluate(series: AvailabilitySeries, now: number) {
      const metrics = sloAlertMetrics(sloReport(series, SLO, now));
      const result = evaluateAlerts(BURN_RULES, state, view, now, null, metrics);
      state = result.state;
      for (const e of result.events as AlertEvent[])
        changes.push({ ruleId: e.ruleId, to: e.to, atS: (now - T0) / 1000 });
    },
  };
}

describe('multiwindow, multi-burn-rate alerts (SRE workbook, 99.9 % over 30 d)', () => {
  it('a full outage pages after 52 s (1 h/5 m) and 130 s (6 h/30 m), tickets after 260 s (3 d/6 h), and each resolves when its short window drops', () => {
    // Workbook detection times at 100 % errors: 0.001 × 14.4 × 60 min = 0.864 min (51.84 s),
    // 0.001 × 6 × 360 min = 2.16 min (129.6 s), 0.001 × 1 × 4320 min = 4.32 min (259.2 s): the first
    // whole tick past each. The outage lasts 10 minutes (T0 … T0 + 599 s), one tick a second.
    const series = history(3 * 24 * 60, 60);
    const run = alertRun();
    for (let s = 0; s < 400 * 60; s++) {
      const now = T0 + s * 1000;
      series.add(now, s < 600 ? 0 : 1, s < 600 ? 1 : 0);
      run.evaluate(series, now);
    }
    expect(run.changes).toEqual([
      { ruleId: 'slo-burn-page-1h', to: 'firing', atS: 51 },
      { ruleId: 'slo-burn-page-6h', to: 'firing', atS: 129 },
      { ruleId: 'slo-burn-ticket-3d', to: 'firing', atS: 259 },
      // The 5 m window is the current minute and the 4 before: minute 9, the last bad one, leaves it
      // at minute 14; the 30 m window at minute 39; the 6 h window at minute 369.
      { ruleId: 'slo-burn-page-1h', to: 'resolved', atS: 14 * 60 },
      { ruleId: 'slo-burn-page-6h', to: 'resolved', atS: 39 * 60 },
      { ruleId: 'slo-burn-ticket-3d', to: 'resolved', atS: 369 * 60 },
    ]);
  });

  it('at 1.6 % errors (16×) the 1 h/5 m page fires after 55 minutes; at exactly 14.4× (1.44 %) it never does', () => {
    // Workbook: detection = (1 − SLO) / error rate × window × burn = 0.001 / 0.016 × 60 × 14.4 = 54 min;
    // the 1 h window first holds more than 1.44 % bad in its 55th minute of errors (550 of 37 500).
    for (const [badPerMinute, firesAtMinute] of [
      [10, 55],
      [9, null],
    ] as const) {
      const series = history(3 * 24 * 60, 625);
      const run = alertRun();
      for (let m = 0; m < 90; m++) {
        const now = T0 + m * MINUTE;
        series.add(now, 625 - badPerMinute, badPerMinute);
        run.evaluate(series, now);
      }
      const page = run.changes.filter((c) => c.ruleId === 'slo-burn-page-1h');
      expect(page).toEqual(
        firesAtMinute === null
          ? []
          : [{ ruleId: 'slo-burn-page-1h', to: 'firing', atS: (firesAtMinute - 1) * 60 }],
      );
    }
  });

  it('14.4× for one hour spends 2 % of a 30-day budget', () => {
    // 719 good hours, then one at 1.44 % errors: 540 bad of 27 000 000 ticks, against a budget of 27 000.
    const series = history(719 * 60, 625);
    for (let m = 0; m < 60; m++) series.add(T0 + m * MINUTE, 616, 9);
    const report = sloReport(series, SLO, T0 + 59 * MINUTE);
    expect(report.good + report.bad).toBe(27_000_000);
    expect(report.bad).toBe(540);
    expect(report.errorBudgetRemaining).toBeCloseTo(0.98, 10);
    expect(report.availability).toBeCloseTo(0.99998, 10);
    expect(report.burnRates['1h']).toBeCloseTo(14.4, 10);
  });
});

describe('AvailabilitySeries', () => {
  it('forgets minutes older than 3 days and hours older than 90 days', () => {
    const series = new AvailabilitySeries();
    series.add(T0, 0, 5);
    expect(series.counts(3 * DAY, T0 + 3 * DAY - MINUTE)).toEqual({ good: 0, bad: 5 });
    series.add(T0 + 3 * DAY, 1, 0);
    expect(series.counts(3 * DAY, T0 + 3 * DAY)).toEqual({ good: 1, bad: 0 });
    expect(series.counts(30 * DAY, T0 + 3 * DAY)).toEqual({ good: 1, bad: 5 });
    series.add(T0 + 90 * DAY, 1, 0);
    // The hour of T0 fell out; the tick 3 days after it is 87 days old and stays.
    expect(series.counts(90 * DAY, T0 + 90 * DAY)).toEqual({ good: 2, bad: 0 });
  });

  it('round-trips through its encoding in a bounded size, and a foreign value decodes empty', () => {
    const series = history(3 * 24 * 60, 12);
    series.add(T0, 3, 9);
    const encoded = series.encode();
    expect(AVAILABILITY_SERIES_BYTES).toBe(25_920);
    expect(encoded.length).toBeLessThan(34_560 + 100);
    const back = AvailabilitySeries.decode(encoded);
    expect(back.counts(3 * DAY, T0)).toEqual(series.counts(3 * DAY, T0));
    expect(back.counts(30 * DAY, T0)).toEqual({ good: 4320 * 12 + 3, bad: 9 });
    expect(AvailabilitySeries.decode('{"v":2}').counts(DAY, T0)).toEqual({ good: 0, bad: 0 });
    expect(AvailabilitySeries.decode('garbage').counts(DAY, T0)).toEqual({ good: 0, bad: 0 });
  });
});
