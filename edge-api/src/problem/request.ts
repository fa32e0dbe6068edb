import type { Context } from 'hono';
import { z } from 'zod';
import { HttpProblem, ProblemType, validationProblem } from './index.ts';

const MAX_PAGE = 500;

/** The `limit` of a paged query: a whole number from 1 to 500, 50 when absent. */
export const PageLimit = z.coerce
  .number({ error: 'limit must be a number' })
  .int('limit must be a whole number')
  .min(1, 'limit must be at least 1')
  .max(MAX_PAGE, `limit must be at most ${MAX_PAGE}`)
  .default(50);

/** Parses a JSON body against a schema: 415 for another media type, 400 for bad JSON or bad fields. */
export async function readJson<S extends z.ZodType>(c: Context, schema: S): Promise<z.infer<S>> {
  const contentType = c.req.header('content-type') ?? '';
  if (!/^application\/([\w.+-]+\+)?json\s*(;|$)/i.test(contentType)) {
    throw new HttpProblem({
      status: 415,
      type: ProblemType.validation,
      title: 'Unsupported media type',
      detail: `send the body as application/json (got ${contentType ? `'${contentType}'` : 'no content-type'})`,
      headers: { 'accept-post': 'application/json' },
    });
  }
  const text = await c.req.text();
  let json: unknown;
  try {
    json = text.trim() === '' ? undefined : JSON.parse(text);
  } catch (err) {
    throw new HttpProblem({
      status: 400,
      type: ProblemType.validation,
      title: 'Malformed JSON',
      detail: `request body is not valid JSON: ${(err as Error).message}`,
    });
  }
  if (json === undefined) {
    throw new HttpProblem({
      status: 400,
      type: ProblemType.validation,
      title: 'Missing body',
      detail: 'this route needs a JSON body',
    });
  }
  const parsed = schema.safeParse(json);
  if (!parsed.success) throw validationProblem('body', parsed.error);
  return parsed.data;
}

export function readQuery<S extends z.ZodType>(c: Context, schema: S): z.infer<S> {
  const parsed = schema.safeParse(c.req.query());
  if (!parsed.success) throw validationProblem('query', parsed.error);
  return parsed.data;
}

export function readParams<S extends z.ZodType>(c: Context, schema: S): z.infer<S> {
  const parsed = schema.safeParse(c.req.param());
  if (!parsed.success) throw validationProblem('path', parsed.error);
  return parsed.data;
}
