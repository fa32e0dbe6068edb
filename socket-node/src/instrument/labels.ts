import { foldCounts, isLabel, LABEL_CAP, OVERFLOW_LABEL } from '@telltale/shared';

export { foldCounts, LABEL_CAP, OVERFLOW_LABEL };

/**
 * Counts per label with a cap on distinct labels, so a client inventing event names cannot grow
 * memory or the metric's cardinality: past the cap, new labels are counted under `other`, and so
 * is a label over 64 characters or with control characters, whenever it comes.
 */
export class CappedCounter {
  private readonly slots = new Map<string, number>();
  private counts: number[] = [];

  constructor(readonly cap: number) {
    if (!(Number.isInteger(cap) && cap >= 1))
      throw new RangeError(`label cap must be a positive integer: got ${cap}`);
  }

  add(label: string, by = 1): void {
    let slot = this.slots.get(label);
    if (slot === undefined) slot = this.claim(label);
    this.counts[slot]! += by;
  }

  /** The counts as a plain object, e.g. for a snapshot. */
  toRecord(): Record<string, number> {
    // Event names come from clients: fromEntries keeps `constructor` or `__proto__` as own keys.
    return Object.fromEntries([...this.slots].map(([label, slot]) => [label, this.counts[slot]!]));
  }

  get distinct(): number {
    return this.slots.size;
  }

  private claim(label: string): number {
    const overflow = this.slots.size >= this.cap || !isLabel(label);
    const name = overflow ? OVERFLOW_LABEL : label;
    const existing = this.slots.get(name);
    if (existing !== undefined) return existing;
    const slot = this.counts.length;
    this.counts.push(0);
    this.slots.set(name, slot);
    return slot;
  }
}
