import type { SketchData } from '../schema/sketch.ts';

/** Values at or below this (ms) are counted in `z`: 1 µs is below any handler latency we can measure. */
export const MIN_TRACKABLE_MS = 1e-3;
/** Values above this are counted in the top bucket, which bounds the dense array to ~1,800 entries. */
export const MAX_TRACKABLE_MS = 1e12;
export const DEFAULT_ALPHA = 0.01;

/**
 * A DDSketch-style latency sketch: bucket i counts values in (γ^(i-1), γ^i] with γ = (1+α)/(1-α),
 * so any quantile comes back within relative error α of a real sample at that rank. Buckets add
 * up across nodes, which is how the cluster gets true percentiles without averaging them.
 */
export class LatencySketch {
  readonly alpha: number;
  private readonly gamma: number;
  private readonly invLogGamma: number;
  private n = 0;
  private total = 0;
  private lo = Number.POSITIVE_INFINITY;
  private hi = Number.NEGATIVE_INFINITY;
  private zeros = 0;
  /** Dense counts; counts[i] is bucket `offset + i`. May carry zero padding at both ends. */
  private counts: number[] = [];
  private offset = 0;

  constructor(alpha: number = DEFAULT_ALPHA) {
    if (!(alpha > 0 && alpha <= 0.5)) throw new RangeError(`sketch alpha must be in (0, 0.5]: got ${alpha}`);
    this.alpha = alpha;
    this.gamma = (1 + alpha) / (1 - alpha);
    this.invLogGamma = 1 / Math.log(this.gamma);
  }

  get count(): number {
    return this.n;
  }
  get sum(): number {
    return this.total;
  }
  get min(): number | null {
    return this.n === 0 ? null : this.lo;
  }
  get max(): number | null {
    return this.n === 0 ? null : this.hi;
  }
  get mean(): number | null {
    return this.n === 0 ? null : this.total / this.n;
  }

  /** Records one latency in ms. Non-finite values are ignored; negative ones count as zero. */
  add(valueMs: number): void {
    if (!Number.isFinite(valueMs)) return;
    const v = Math.max(valueMs, 0);
    this.n++;
    this.total += v;
    if (v < this.lo) this.lo = v;
    if (v > this.hi) this.hi = v;
    if (v <= MIN_TRACKABLE_MS) {
      this.zeros++;
      return;
    }
    this.addToBucket(this.indexOf(v), 1);
  }

  /** Adds another sketch's counts into this one. Both must use the same alpha. */
  merge(other: LatencySketch): this {
    if (other.alpha !== this.alpha) {
      throw new Error(
        `cannot merge latency sketches with different relative accuracy: alpha ${this.alpha} vs ${other.alpha}`,
      );
    }
    if (other.n === 0) return this;
    this.n += other.n;
    this.total += other.total;
    this.zeros += other.zeros;
    if (other.lo < this.lo) this.lo = other.lo;
    if (other.hi > this.hi) this.hi = other.hi;
    for (let i = 0; i < other.counts.length; i++) {
      const c = other.counts[i]!;
      if (c > 0) this.addToBucket(other.offset + i, c);
    }
    return this;
  }

  /** The value at quantile q (0..1), nearest-rank, within relative error alpha; null when empty. */
  quantile(q: number): number | null {
    if (this.n === 0) return null;
    const rank = Math.min(Math.max(q, 0), 1) * (this.n - 1);
    if (rank < this.zeros) return this.lo;
    let seen = this.zeros;
    for (let i = 0; i < this.counts.length; i++) {
      seen += this.counts[i]!;
      if (seen > rank) return this.clamp(this.valueOf(this.offset + i));
    }
    return this.hi;
  }

  /**
   * Cumulative counts of values at or below each upper bound (ms, ascending), as Prometheus `le`
   * buckets need. A bucket is attributed by its representative value, so a bound is exact to within
   * alpha — the same accuracy as the quantiles. Values below MIN_TRACKABLE_MS count under every bound.
   */
  countsAtOrBelow(upperBoundsMs: readonly number[]): number[] {
    const result: number[] = [];
    let seen = this.zeros;
    let i = 0;
    for (const bound of upperBoundsMs) {
      while (i < this.counts.length && this.valueOf(this.offset + i) <= bound) seen += this.counts[i++]!;
      result.push(seen);
    }
    return result;
  }

  reset(): void {
    this.n = 0;
    this.total = 0;
    this.lo = Number.POSITIVE_INFINITY;
    this.hi = Number.NEGATIVE_INFINITY;
    this.zeros = 0;
    this.counts = [];
    this.offset = 0;
  }

  clone(): LatencySketch {
    return new LatencySketch(this.alpha).merge(this);
  }

  toJSON(): SketchData {
    let first = 0;
    let last = this.counts.length - 1;
    while (first <= last && this.counts[first] === 0) first++;
    while (last >= first && this.counts[last] === 0) last--;
    return {
      a: this.alpha,
      n: this.n,
      sum: this.total,
      min: this.min,
      max: this.max,
      z: this.zeros,
      o: first <= last ? this.offset + first : 0,
      b: this.counts.slice(first, last + 1),
    };
  }

  /** Rebuilds a sketch from its serialized form; throws when the counts do not add up to `n`. */
  static fromJSON(data: SketchData): LatencySketch {
    const sketch = new LatencySketch(data.a);
    const bucketed = data.b.reduce((acc, c) => acc + c, 0);
    if (bucketed + data.z !== data.n) {
      throw new Error(
        `latency sketch is inconsistent: buckets hold ${bucketed + data.z} values but n is ${data.n}`,
      );
    }
    if (data.n > 0 && (data.min === null || data.max === null)) {
      throw new Error(`latency sketch is inconsistent: ${data.n} values but no min/max`);
    }
    sketch.n = data.n;
    sketch.total = data.sum;
    sketch.zeros = data.z;
    if (data.n > 0) {
      sketch.lo = data.min!;
      sketch.hi = data.max!;
    }
    sketch.offset = data.o;
    sketch.counts = data.b.slice();
    return sketch;
  }

  private indexOf(v: number): number {
    return Math.ceil(Math.log(Math.min(v, MAX_TRACKABLE_MS)) * this.invLogGamma);
  }

  /** Midpoint of bucket i in the relative sense: within alpha of every value the bucket holds. */
  private valueOf(index: number): number {
    return (2 * this.gamma ** index) / (this.gamma + 1);
  }

  private clamp(v: number): number {
    return Math.min(Math.max(v, this.lo), this.hi);
  }

  private addToBucket(index: number, c: number): void {
    if (this.counts.length === 0) {
      this.offset = index;
      this.counts.push(c);
      return;
    }
    let pos = index - this.offset;
    if (pos < 0) {
      // Grow downwards with slack so a slowly falling minimum does not reallocate on every call.
      const grow = Math.max(-pos, 16);
      this.counts = new Array<number>(grow).fill(0).concat(this.counts);
      this.offset -= grow;
      pos += grow;
    } else if (pos >= this.counts.length) {
      while (this.counts.length <= pos) this.counts.push(0);
    }
    this.counts[pos]! += c;
  }
}
