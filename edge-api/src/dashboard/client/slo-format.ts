/** Display of the availability SLO report: percentages, windows and burn rates as `/admin/slo` answers them. */

const DASH = '–';
const trim = (text: string) => (text.includes('.') ? text.replace(/\.?0+$/, '') : text);

const UNITS: [ms: number, unit: string][] = [
  [86_400_000, 'd'],
  [3_600_000, 'h'],
  [60_000, 'min'],
  [1000, 's'],
];

/** A window in its largest whole unit: `30 d`, `6 h`, `5 min`; `90 s` when no larger unit divides it. */
export function formatWindow(ms: number): string {
  const [size, unit] = UNITS.find(([size]) => ms % size === 0) ?? [1, 'ms'];
  return `${ms / size} ${unit}`;
}

/** A fraction as a percentage to 3 decimals at most: 0.9995 → `99.95 %`. */
export function formatPercent(fraction: number | null): string {
  if (fraction === null || !Number.isFinite(fraction)) return DASH;
  return `${trim((fraction * 100).toFixed(3))} %`;
}

/** What is left of the error budget; below 0 it is overspent, and says so. */
export function formatBudget(remaining: number | null): string {
  if (remaining === null || !Number.isFinite(remaining)) return 'no tick yet';
  return remaining < 0 ? `${formatPercent(remaining)} (overspent)` : `${formatPercent(remaining)} left`;
}

/** A burn rate as a multiple of the budget's pace: 1× spends exactly the budget over the SLO window. */
export function formatBurnRate(rate: number | null): string {
  if (rate === null || !Number.isFinite(rate)) return 'no tick';
  return `${trim(rate.toFixed(rate >= 100 ? 0 : 2))}×`;
}

/** The honest label of one burn-rate window (`1h` → `last 1 h`). */
export function burnRateLabel(window: string): string {
  const match = /^(\d+)(m|h|d)$/.exec(window);
  if (!match) return window;
  return `last ${match[1]} ${match[2] === 'm' ? 'min' : match[2]}`;
}
