import { z } from 'zod';

/** One plain loop instead of a schema per element: the edge validates thousands of these per tick. */
const bucketCounts = z.custom<number[]>(
  (value) => Array.isArray(value) && value.every((c) => Number.isSafeInteger(c) && c >= 0),
  'bucket counts must be an array of non-negative integers',
);

/**
 * Serialized DDSketch-style log-bucketed sketch. `o` is the index of the first bucket in `b`
 * (dense counts); `z` counts values at or below the smallest trackable value.
 */
export const SketchData = z.object({
  a: z.number().positive().max(0.5),
  n: z.number().int().nonnegative(),
  sum: z.number(),
  min: z.number().nullable(),
  max: z.number().nullable(),
  z: z.number().int().nonnegative(),
  o: z.number().int(),
  b: bucketCounts,
});
export type SketchData = z.infer<typeof SketchData>;
