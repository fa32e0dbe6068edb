import { z } from 'zod';

/**
 * Schemas for the large homogeneous collections of a snapshot (presence ids, per-key counts),
 * checked by one plain loop each instead of a zod schema per element: the edge validates about a
 * thousand snapshots per tick. Each accepts exactly what the per-element schema it replaces
 * accepted, infers the same type, and reports every bad element at its own path.
 */

/** Where a problem is reported; null while only asking whether the value is valid at all. */
type Report = ((path: PropertyKey[], message: string) => void) | null;

/**
 * A valid value costs one loop and no allocation; only a bad one is walked a second time to report
 * every problem. `check` returns false on the first problem when `report` is null.
 */
function looped<T>(check: (value: unknown, report: Report) => boolean, clean?: (value: T) => T) {
  return z.custom<T>().check((payload) => {
    if (check(payload.value, null)) {
      if (clean) payload.value = clean(payload.value);
      return;
    }
    const input = payload.value;
    check(input, (path, message) => payload.issues.push({ code: 'custom', path, message, input }));
  });
}

function received(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  if (typeof value === 'number') return String(value);
  if (typeof value === 'string') return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value);
  return typeof value;
}

/** What `z.number().int().nonnegative()` accepts: a non-negative safe integer. */
export function isCount(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;
}

const countProblem = (value: unknown) => `expected a non-negative integer, received ${received(value)}`;

/** Like `z.array(z.string())`. */
export function stringList() {
  return looped<string[]>((value, report) => {
    if (!Array.isArray(value)) {
      report?.([], `expected an array of strings, received ${received(value)}`);
      return false;
    }
    let valid = true;
    for (let i = 0; i < value.length; i++) {
      if (typeof value[i] === 'string') continue;
      if (!report) return false;
      report([i], `expected a string, received ${received(value[i])}`);
      valid = false;
    }
    return valid;
  });
}

/**
 * Like `z.record(z.string(), count)`, including zod's quirks: only plain objects, symbol keys
 * rejected, and an own `__proto__` key accepted unchecked but dropped from the result.
 */
export function countRecord() {
  return looped<Record<string, number>>(
    (value, report) => {
      if (!z.core.util.isPlainObject(value)) {
        report?.([], `expected an object of counts, received ${received(value)}`);
        return false;
      }
      let valid = true;
      if (!report && !Object.hasOwn(value, '__proto__')) {
        // One native pass over the values: keyed reads on objects of ever-different shapes are slow.
        for (const count of Object.values(value)) if (!isCount(count)) return false;
      } else {
        for (const key of Object.keys(value)) {
          const count = value[key];
          if (isCount(count) || key === '__proto__') continue;
          if (!report) return false;
          report([key], countProblem(count));
          valid = false;
        }
      }
      for (const symbol of Object.getOwnPropertySymbols(value)) {
        if (!Object.prototype.propertyIsEnumerable.call(value, symbol)) continue;
        if (!report) return false;
        report([symbol], `expected a string key, received ${String(symbol)}`);
        valid = false;
      }
      return valid;
    },
    (record) => {
      if (!Object.hasOwn(record, '__proto__')) return record;
      const kept: Record<string, number> = {};
      for (const key of Object.keys(record)) if (key !== '__proto__') kept[key] = record[key]!;
      return kept;
    },
  );
}

/**
 * Like `z.array(z.tuple([z.string().max(namespaceLength), z.string().max(nameLength), count])).max(max)`:
 * a snapshot's largest rooms, `[namespace, name, size]`, each problem at its element's own path.
 */
export function roomTriples(max: number, namespaceLength: number, nameLength: number) {
  const label = (value: unknown, length: number): string | null => {
    if (typeof value !== 'string') return `expected a string, received ${received(value)}`;
    return value.length > length ? `expected at most ${length} characters, received ${value.length}` : null;
  };
  return looped<[string, string, number][]>((value, report) => {
    if (!Array.isArray(value)) {
      report?.([], `expected an array of [namespace, name, size], received ${received(value)}`);
      return false;
    }
    let valid = true;
    const problem = (path: PropertyKey[], message: string) => {
      report?.(path, message);
      valid = false;
    };
    if (value.length > max) problem([], `expected at most ${max} rooms, received ${value.length}`);
    for (let i = 0; i < value.length && (valid || report); i++) {
      const room: unknown = value[i];
      if (!Array.isArray(room) || room.length !== 3) {
        problem([i], `expected [namespace, name, size], received ${received(room)}`);
        continue;
      }
      const namespace = label(room[0], namespaceLength);
      if (namespace) problem([i, 0], namespace);
      const name = label(room[1], nameLength);
      if (name) problem([i, 1], name);
      if (!isCount(room[2])) problem([i, 2], countProblem(room[2]));
    }
    return valid;
  });
}
