import { describe, expect, it } from 'vitest';
import { SketchData } from '../schema/sketch.ts';
import { LatencySketch } from './latency-sketch.ts';
import { lognormal, seededRandom } from './random.ts';

const QUANTILES = [0.5, 0.9, 0.95, 0.99] as const;

function nearestRank(sorted: number[], q: number): number {
  return sorted[Math.floor(q * (sorted.length - 1))]!;
}

function interpolated(sorted: number[], q: number): number {
  const pos = q * (sorted.length - 1);
  const lo = Math.floor(pos);
  const hi = Math.min(lo + 1, sorted.length - 1);
  return sorted[lo]! + (sorted[hi]! - sorted[lo]!) * (pos - lo);
}

function sketchOf(values: number[]): LatencySketch {
  const s = new LatencySketch();
  for (const v of values) s.add(v);
  return s;
}

function relativeError(estimate: number, exact: number): number {
  return Math.abs(estimate - exact) / exact;
}

/** Node A: 90 % of traffic, fast lognormal; node B: 10 %, slow and wide. */
function skewedCluster(seed: number) {
  const random = seededRandom(seed);
  const fast = lognormal(random, 2, 0.6);
  const slow = lognormal(random, 120, 1.1);
  const a = Array.from({ length: 45_000 }, fast);
  const b = Array.from({ length: 5_000 }, slow);
  return { a, b };
}

describe('LatencySketch accuracy', () => {
  it('merged p50/p95/p99 stay within 2 % of the exact percentiles on skewed multi-node data', () => {
    for (const seed of [1, 7, 42]) {
      const { a, b } = skewedCluster(seed);
      const merged = sketchOf(a).merge(sketchOf(b));
      const all = [...a, ...b].sort((x, y) => x - y);
      for (const q of QUANTILES) {
        const estimate = merged.quantile(q)!;
        expect(relativeError(estimate, nearestRank(all, q))).toBeLessThanOrEqual(0.01 + 1e-9);
        expect(relativeError(estimate, interpolated(all, q))).toBeLessThan(0.02);
      }
    }
  });

  it('differs from what averaging the two nodes percentiles would claim', () => {
    const { a, b } = skewedCluster(3);
    const merged = sketchOf(a).merge(sketchOf(b));
    const averaged = (sketchOf(a).quantile(0.99)! + sketchOf(b).quantile(0.99)!) / 2;
    const exact = nearestRank(
      [...a, ...b].sort((x, y) => x - y),
      0.99,
    );
    expect(relativeError(merged.quantile(0.99)!, exact)).toBeLessThan(0.02);
    expect(relativeError(averaged, exact)).toBeGreaterThan(0.2);
  });

  it('keeps count, sum, min, max and mean exact', () => {
    const values = [0.5, 3, 12.25, 0, 250];
    const s = sketchOf(values);
    expect(s.count).toBe(5);
    expect(s.sum).toBeCloseTo(265.75, 9);
    expect(s.min).toBe(0);
    expect(s.max).toBe(250);
    expect(s.mean).toBeCloseTo(53.15, 9);
    expect(s.quantile(0)).toBe(0);
    expect(s.quantile(1)).toBe(250);
  });

  it('answers null on an empty sketch and ignores non-finite values', () => {
    const s = new LatencySketch();
    s.add(Number.NaN);
    s.add(Number.POSITIVE_INFINITY);
    expect(s.count).toBe(0);
    expect(s.quantile(0.5)).toBeNull();
    expect(s.mean).toBeNull();
    expect(s.min).toBeNull();
  });

  it('counts sub-microsecond values as zeros without losing rank', () => {
    const s = sketchOf([0, 0.0001, 0.0005, 10, 10]);
    expect(s.toJSON().z).toBe(3);
    expect(s.quantile(0.25)).toBe(0);
    expect(relativeError(s.quantile(0.9)!, 10)).toBeLessThanOrEqual(0.01);
  });
});

describe('LatencySketch merge', () => {
  const random = seededRandom(11);
  const sample = lognormal(random, 8, 1);
  const parts = [1_000, 2_500, 700].map((n) => Array.from({ length: n }, sample));

  it('is commutative and associative', () => {
    const [x, y, z] = parts.map(sketchOf) as [LatencySketch, LatencySketch, LatencySketch];
    const left = x.clone().merge(y).merge(z);
    const right = z.clone().merge(y.clone().merge(x));
    const regrouped = y.clone().merge(z).merge(x);
    expect(right.toJSON()).toEqual({ ...left.toJSON(), sum: right.sum });
    expect(regrouped.toJSON().b).toEqual(left.toJSON().b);
    expect(right.sum).toBeCloseTo(left.sum, 6);
  });

  it('equals a sketch fed every value directly', () => {
    const direct = sketchOf(parts.flat());
    const merged = parts.map(sketchOf).reduce((acc, s) => acc.merge(s), new LatencySketch());
    expect(merged.toJSON().b).toEqual(direct.toJSON().b);
    expect(merged.toJSON().o).toEqual(direct.toJSON().o);
    expect(merged.count).toBe(direct.count);
  });

  it('refuses sketches with a different alpha, with a clear message', () => {
    expect(() => new LatencySketch(0.01).merge(new LatencySketch(0.02))).toThrow(
      /different relative accuracy: alpha 0.01 vs 0.02/,
    );
  });

  it('leaves the merged-in sketch untouched', () => {
    const x = sketchOf([1, 2, 3]);
    const y = sketchOf([100]);
    x.merge(y);
    expect(y.count).toBe(1);
    expect(x.count).toBe(4);
  });
});

describe('LatencySketch serialization', () => {
  it('fits a typical interval (5,000 realistic latencies) in 2 KB of JSON', () => {
    const random = seededRandom(5);
    const api = lognormal(random, 4, 0.8);
    const s = new LatencySketch();
    for (let i = 0; i < 5_000; i++) s.add(api());
    const json = JSON.stringify(s.toJSON());
    expect(json.length).toBeLessThanOrEqual(2048);
  });

  it('round-trips through JSON and the zod schema without changing an answer', () => {
    const { a } = skewedCluster(9);
    const s = sketchOf(a.slice(0, 5_000));
    const parsed = SketchData.parse(JSON.parse(JSON.stringify(s)));
    const back = LatencySketch.fromJSON(parsed);
    expect(back.toJSON()).toEqual(s.toJSON());
    for (const q of QUANTILES) expect(back.quantile(q)).toBe(s.quantile(q));
  });

  it('serializes an empty sketch to a schema-valid object', () => {
    const data = SketchData.parse(new LatencySketch().toJSON());
    expect(data).toEqual({ a: 0.01, n: 0, sum: 0, min: null, max: null, z: 0, o: 0, b: [] });
    expect(LatencySketch.fromJSON(data).count).toBe(0);
  });

  it('rejects serialized counts that do not add up', () => {
    const data = sketchOf([1, 2, 3]).toJSON();
    expect(() => LatencySketch.fromJSON({ ...data, n: 4 })).toThrow(/buckets hold 3 values but n is 4/);
  });

  it('reset empties the sketch for the next interval', () => {
    const s = sketchOf([1, 2, 3]);
    s.reset();
    expect(s.toJSON()).toEqual(new LatencySketch().toJSON());
    s.add(5);
    expect(s.quantile(0.5)).toBe(5);
  });
});

describe('LatencySketch.countsAtOrBelow', () => {
  it('gives cumulative counts per upper bound, ending at the total', () => {
    const values = [0.5, 0.9, 2, 4, 4, 9, 30, 200, 2_000];
    const s = sketchOf(values);
    const bounds = [1, 5, 10, 100, 1_000, Number.POSITIVE_INFINITY];
    expect(s.countsAtOrBelow(bounds)).toEqual(bounds.map((le) => values.filter((v) => v <= le).length));
  });

  it('is monotonic on random data', () => {
    const random = seededRandom(2);
    const s = new LatencySketch();
    const sample = lognormal(random, 20, 1.5);
    for (let i = 0; i < 10_000; i++) s.add(sample());
    const counts = s.countsAtOrBelow([1, 2.5, 5, 10, 25, 50, 100, 250, 500, 1_000, Number.POSITIVE_INFINITY]);
    for (let i = 1; i < counts.length; i++) expect(counts[i]!).toBeGreaterThanOrEqual(counts[i - 1]!);
    expect(counts.at(-1)).toBe(10_000);
  });
});

describe('SketchData schema', () => {
  it('rejects bucket counts that are negative, fractional or not numbers', () => {
    const data = new LatencySketch().toJSON();
    for (const b of [[1, -1], [1.5], ['3'], null]) {
      const result = SketchData.safeParse({ ...data, b });
      expect(result.success).toBe(false);
      expect(result.error?.issues[0]?.message).toBe(
        'bucket counts must be an array of non-negative integers',
      );
    }
  });
});
