import { round } from './stats.ts';

export type Cell = string | number | null;

export interface Table {
  title: string;
  columns: string[];
  rows: Cell[][];
}

/** A quality bar (a target the bench must meet) as this run measured it. */
export interface BarCheck {
  bar: string;
  measured: string;
  pass: boolean;
}

export interface SuiteResult {
  suite: string;
  /** The knobs this run used (rounds, durations, counts). */
  settings: Record<string, number | string | boolean>;
  tables: Table[];
  bars: BarCheck[];
  /** Everything measured, per round, for whoever wants to recompute. */
  data: unknown;
  notes: string[];
}

function cellText(cell: Cell): string {
  if (cell === null) return '–';
  if (typeof cell === 'number') return Number.isFinite(cell) ? String(round(cell)) : '–';
  return cell;
}

/** A plain-text table with aligned columns (numbers right-aligned). */
export function renderTable(table: Table): string {
  const text = table.rows.map((row) => row.map(cellText));
  const widths = table.columns.map((c, i) => Math.max(c.length, ...text.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[], numeric: boolean[]) =>
    cells
      .map((c, i) => (numeric[i] ? c.padStart(widths[i] ?? 0) : c.padEnd(widths[i] ?? 0)))
      .join('  ')
      .trimEnd();
  const numeric = table.columns.map((_, i) => table.rows.some((r) => typeof r[i] === 'number'));
  return [
    table.title,
    line(table.columns, numeric),
    widths.map((w) => '-'.repeat(w)).join('  '),
    ...text.map((r, i) => line(r, table.rows[i]?.map((c) => typeof c === 'number') ?? numeric)),
  ].join('\n');
}

export function renderSuite(result: SuiteResult): string {
  const parts = [`== ${result.suite} ==`, ...result.tables.map(renderTable)];
  if (result.bars.length > 0) {
    parts.push(result.bars.map((b) => `  [${b.pass ? 'PASS' : 'MISS'}] ${b.bar}: ${b.measured}`).join('\n'));
  }
  if (result.notes.length > 0) parts.push(result.notes.map((n) => `  note: ${n}`).join('\n'));
  return parts.join('\n\n');
}

/** Rounds every number in a JSON-bound value, so results files stay small and diffable. */
export function compact(value: unknown): unknown {
  if (typeof value === 'number') return Number.isFinite(value) ? round(value) : null;
  if (Array.isArray(value)) return value.map(compact);
  if (value instanceof Float64Array) return [...value].map(round);
  if (typeof value === 'object' && value !== null) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, compact(v)]));
  }
  return value;
}

export const pct = (r: number) => (Number.isFinite(r) ? `${(r * 100).toFixed(1)} %` : '–');
export const ms = (v: number) => (Number.isFinite(v) ? `${round(v)} ms` : '–');
