/**
 * Bounds on client-chosen labels (event types, disconnect reasons, namespaces, room prefixes): they
 * become JSON keys in every snapshot and Prometheus label values, so both their number and their
 * length are capped wherever they are counted.
 */

/** What a label too long, unprintable or past its set's cap is counted under. */
export const OVERFLOW_LABEL = 'other';

/** Longest label kept by name, in UTF-16 code units; a longer one counts as `other`. */
export const MAX_LABEL_LENGTH = 64;

/** Distinct room prefixes and namespaces listed by name; the rest are summed under `other`. */
export const LABEL_CAP = 50;

// Control characters and lone surrogates: JSON escapes each to six bytes, and they are never a name.
const UNPRINTABLE = /[\p{Cc}\p{Cs}]/u;

/** Whether `value` may be a label as it is: 1–64 code units, no control characters or lone surrogates. */
export function isLabel(value: string): boolean {
  return value.length > 0 && value.length <= MAX_LABEL_LENGTH && !UNPRINTABLE.test(value);
}

/** `value` when it may be a label, otherwise `other`. */
export function labelOf(value: string): string {
  return isLabel(value) ? value : OVERFLOW_LABEL;
}

/**
 * Counts keyed by bounded labels: unfit keys go to `other`, and past `cap` distinct names the
 * smallest counts (ties: the later name) are summed into `other` too, so the result has at most
 * `cap` names plus `other`. For gauges recomputed each time, such as rooms by prefix.
 */
export function foldCounts(counts: Record<string, number>, cap = LABEL_CAP): Record<string, number> {
  const named = new Map<string, number>();
  let other = 0;
  let overflowed = false;
  for (const key of Object.keys(counts)) {
    const label = labelOf(key);
    const count = counts[key]!;
    if (label === OVERFLOW_LABEL) {
      other += count;
      overflowed = true;
    } else named.set(label, (named.get(label) ?? 0) + count);
  }
  let kept = [...named];
  if (kept.length > cap) {
    kept.sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
    for (const [, count] of kept.slice(cap)) other += count;
    kept = kept.slice(0, cap);
    overflowed = true;
  }
  // Label keys come from clients: fromEntries keeps `constructor` or `__proto__` as own keys.
  const folded = Object.fromEntries(kept);
  if (overflowed) folded[OVERFLOW_LABEL] = other;
  return folded;
}
