import { OVERFLOW_LABEL } from '../merge/labels.ts';
import { AGGREGATE_LABELS } from '../schema/aggregates.ts';
import type { SketchData } from '../schema/sketch.ts';
import type { NodeSnapshot } from '../schema/snapshot.ts';
import { DEFAULT_ALPHA } from '../sketch/latency-sketch.ts';

/**
 * The cluster ledger: the parts of every node's snapshot that sum across nodes (label maps and
 * latency sketches), folded into cluster-wide sums in the store at each flush, so the edge reads
 * them in O(labels + buckets) instead of reading and adding every node's copy each tick.
 *
 * Each node's contribution is a hash of `<part>\n<key>` → its value now (`ledgerOf`); a flush adds
 * the difference to the sums, and a node that is lost, leaves or is pruned has its contribution
 * subtracted and deleted once (the same script that drops its room and user contribution). Values
 * are absolute, so a repeated flush changes nothing and a node whose contribution is gone (Redis
 * restarted empty, or an edge dropped it while the node stalled) adds itself whole again.
 *
 * Label maps become one sorted set each (label → summed count), read as their largest
 * `AGGREGATE_LABELS`; sketches one hash each (`n`, `z`, `s` and bucket index → summed count).
 */

/**
 * The label maps the ledger sums, by part name, and where each is in a snapshot (section, map):
 * `ledgerOf` reads them from here, and the Lua that folds them in Redis is written from it.
 */
export const LEDGER_LABEL_PARTS = {
  ns: ['gauges', 'byNamespace'],
  tr: ['gauges', 'byTransport'],
  dr: ['counters', 'disconnectReasons'],
  rf: ['counters', 'refusedConnections'],
  in: ['counters', 'eventsInByType'],
} as const satisfies Record<string, readonly ['gauges' | 'counters', string]>;
export type LedgerLabelPart = keyof typeof LEDGER_LABEL_PARTS;
export const LEDGER_LABEL_PART_NAMES = Object.keys(LEDGER_LABEL_PARTS) as LedgerLabelPart[];

function labelMap(snapshot: NodeSnapshot, part: LedgerLabelPart): Record<string, number> {
  const [section, map] = LEDGER_LABEL_PARTS[part];
  return (snapshot[section] as unknown as Record<string, Record<string, number>>)[map] ?? {};
}

/** The sketches the ledger sums: the last interval's and the cumulative one. */
export const LEDGER_SKETCH_PARTS = {
  w: (s: NodeSnapshot) => s.latency.window,
  k: (s: NodeSnapshot) => s.latency.cumulative,
} as const;
export type LedgerSketchPart = keyof typeof LEDGER_SKETCH_PARTS;

const NL = '\n';

/**
 * A node's contribution: every value it adds to the sums (labels at 0 too, so they stay listed;
 * sketch buckets only when filled). The Lua in `aggregate-scripts.ts`
 * computes the same from the snapshot JSON; the memory store uses this. A sketch of another
 * relative accuracy than the default cannot be added to the others and is left out.
 */
export function ledgerOf(snapshot: NodeSnapshot): Map<string, number> {
  const entries = new Map<string, number>();
  for (const part of LEDGER_LABEL_PART_NAMES) {
    const map = labelMap(snapshot, part);
    for (const label of Object.keys(map)) {
      // Zeros too: a label stays listed while some node reports it (a namespace nobody is on).
      entries.set(`${part}${NL}${label}`, map[label]!);
    }
  }
  for (const part of Object.keys(LEDGER_SKETCH_PARTS) as LedgerSketchPart[]) {
    const sketch = LEDGER_SKETCH_PARTS[part](snapshot);
    if (sketch.a !== DEFAULT_ALPHA || sketch.n === 0) continue;
    entries.set(`${part}${NL}n`, sketch.n);
    entries.set(`${part}${NL}s`, sketch.sum);
    if (sketch.z > 0) entries.set(`${part}${NL}z`, sketch.z);
    sketch.b.forEach((count, i) => {
      if (count > 0) entries.set(`${part}${NL}${sketch.o + i}`, count);
    });
  }
  return entries;
}

/** One summed sketch as the ledger holds it: counts only (min and max do not sum). */
export interface LedgerSketch {
  n: number;
  sum: number;
  z: number;
  /** Bucket index → summed count. */
  buckets: Map<number, number>;
}

/** What a read returns of the ledger. */
export interface ClusterLedger {
  /** Per label map: the largest `AGGREGATE_LABELS` by name, and how many distinct labels there are. */
  labels: Record<LedgerLabelPart, { top: [label: string, count: number][]; distinct: number }>;
  window: LedgerSketch;
  cumulative: LedgerSketch;
}

/** A ledger with nothing in it (a new one for each call: its sketches hold Maps). */
export function emptyLedger(): ClusterLedger {
  const labels = Object.fromEntries(LEDGER_LABEL_PART_NAMES.map((part) => [part, emptyLabels()]));
  return { labels: labels as ClusterLedger['labels'], window: emptySketch(), cumulative: emptySketch() };
}

function emptyLabels() {
  return { top: [] as [string, number][], distinct: 0 };
}
function emptySketch(): LedgerSketch {
  return { n: 0, sum: 0, z: 0, buckets: new Map() };
}

/** A summed sketch from a hash's flat `[field, value, …]` (as HGETALL returns it). */
export function ledgerSketchOf(flat: readonly (string | null)[]): LedgerSketch {
  const sketch = emptySketch();
  for (let i = 0; i + 1 < flat.length; i += 2) {
    const field = flat[i] ?? '';
    const value = Number(flat[i + 1]);
    if (!Number.isFinite(value)) continue;
    if (field === 'n') sketch.n = value;
    else if (field === 's') sketch.sum = value;
    else if (field === 'z') sketch.z = value;
    else if (/^-?\d+$/.test(field) && value > 0) sketch.buckets.set(Number(field), value);
  }
  return sketch;
}

/**
 * A summed sketch as `SketchData`, with min and max taken from the nodes (they do not sum). Null
 * when the counts do not add up, which only a write torn by a crash mid-script could leave.
 */
export function sketchDataOf(
  sketch: LedgerSketch,
  min: number | null,
  max: number | null,
): SketchData | null {
  if (sketch.n === 0) return { a: DEFAULT_ALPHA, n: 0, sum: 0, min: null, max: null, z: 0, o: 0, b: [] };
  const indexes = [...sketch.buckets.keys()].sort((a, b) => a - b);
  const first = indexes[0] ?? 0;
  const last = indexes.at(-1) ?? -1;
  const b = new Array<number>(Math.max(0, last - first + 1)).fill(0);
  let bucketed = sketch.z;
  for (const index of indexes) {
    const count = sketch.buckets.get(index)!;
    b[index - first] = count;
    bucketed += count;
  }
  if (bucketed !== sketch.n || min === null || max === null) return null;
  return { a: DEFAULT_ALPHA, n: sketch.n, sum: sketch.sum, min, max, z: sketch.z, o: first, b };
}

/**
 * A label map of the view: the largest labels by name, and when more exist than a read carries,
 * the rest of `total` under `other` (added to a label already named `other`).
 */
export function ledgerCounts(
  labels: { top: [string, number][]; distinct: number },
  total: number,
): Record<string, number> {
  const counts: Record<string, number> = Object.fromEntries(labels.top);
  if (labels.distinct > labels.top.length) {
    const named = labels.top.reduce((sum, [, count]) => sum + count, 0);
    const rest = Math.max(0, total - named);
    if (rest > 0) counts[OVERFLOW_LABEL] = (counts[OVERFLOW_LABEL] ?? 0) + rest;
  }
  return counts;
}

/** The memory store's ledger: the same sums in Maps, with the same contribution rules. */
export class LedgerBook {
  private readonly contributions = new Map<string, Map<string, number>>();
  private readonly labels = new Map<LedgerLabelPart, Map<string, number>>(
    LEDGER_LABEL_PART_NAMES.map((part) => [part, new Map()]),
  );
  private readonly sketches: Record<LedgerSketchPart, LedgerSketch> = { w: emptySketch(), k: emptySketch() };
  private readonly refs = new Map<string, number>();

  /** The node's contribution is now what its snapshot says. */
  flush(nodeId: string, snapshot: NodeSnapshot): void {
    const next = ledgerOf(snapshot);
    const old = this.contributions.get(nodeId) ?? new Map<string, number>();
    for (const [field, value] of next) {
      const was = old.get(field);
      this.add(field, value - (was ?? 0), was === undefined ? 1 : 0);
    }
    for (const [field, value] of old) if (!next.has(field)) this.add(field, -value, -1);
    this.contributions.set(nodeId, next);
  }

  /** Subtracts the node's contribution, once. */
  drop(nodeId: string): void {
    const old = this.contributions.get(nodeId);
    if (!old) return;
    for (const [field, value] of old) this.add(field, -value, -1);
    this.contributions.delete(nodeId);
  }

  read(): ClusterLedger {
    const labels = {} as ClusterLedger['labels'];
    for (const [part, counts] of this.labels) {
      const top = [...counts]
        .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? 1 : a[0] > b[0] ? -1 : 0))
        .slice(0, AGGREGATE_LABELS);
      labels[part] = { top, distinct: counts.size };
    }
    const copy = (s: LedgerSketch): LedgerSketch => ({ ...s, buckets: new Map(s.buckets) });
    return { labels, window: copy(this.sketches.w), cumulative: copy(this.sketches.k) };
  }

  /** `ref`: +1 when a node starts reporting the field, −1 when it stops (labels stay while reported). */
  private add(field: string, delta: number, ref: number): void {
    const cut = field.indexOf(NL);
    const part = field.slice(0, cut);
    const key = field.slice(cut + 1);
    const counts = this.labels.get(part as LedgerLabelPart);
    if (counts) {
      const refs = (this.refs.get(field) ?? 0) + ref;
      if (refs > 0) {
        this.refs.set(field, refs);
        counts.set(key, (counts.get(key) ?? 0) + delta);
      } else {
        this.refs.delete(field);
        counts.delete(key);
      }
      return;
    }
    if (delta === 0) return;
    const sketch = this.sketches[part as LedgerSketchPart];
    if (key === 's') sketch.sum += delta;
    else if (key === 'n') sketch.n += delta;
    else if (key === 'z') sketch.z += delta;
    else {
      const index = Number(key);
      const value = (sketch.buckets.get(index) ?? 0) + delta;
      if (value > 0) sketch.buckets.set(index, value);
      else sketch.buckets.delete(index);
    }
    if (sketch.n === 0) sketch.sum = 0;
  }
}
