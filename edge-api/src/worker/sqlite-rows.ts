import type { z } from 'zod';

/** Rows are JSON we wrote ourselves, but a schema change between deploys must not crash the tick: a row that no longer parses is skipped. */
export function parseRows<S extends z.ZodType>(schema: S, rows: Iterable<{ json: string }>): z.infer<S>[] {
  const parsed: z.infer<S>[] = [];
  for (const row of rows) {
    const result = schema.safeParse(JSON.parse(row.json));
    if (result.success) parsed.push(result.data);
  }
  return parsed;
}
