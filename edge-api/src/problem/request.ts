import { zValidator } from '@hono/zod-validator';
import type { Context, MiddlewareHandler } from 'hono';
import { resolver, uniqueSymbol } from 'hono-openapi';
import type { z } from 'zod';
import { HttpProblem, ProblemType, validationProblem } from './index.ts';

export { PageLimit } from './page-limit.ts';

type Target = 'json' | 'query' | 'param';

const WHERE = { json: 'body', query: 'query', param: 'path' } as const;

const JSON_MEDIA = /^application\/([\w.-]+\+)?json$/i;

export interface ValidateOptions {
  /** json only: an absent body (no content-type, or content-length 0) validates as `{}`. */
  optional?: boolean;
}

/**
 * `@hono/zod-validator` with the edge's one hook: a zod error becomes the problem+json 400 naming
 * each field (`body.rules[0].threshold: …`). The same schema documents the route in /openapi.json
 * (hono-openapi reads the marker), so a route's input is described once.
 */
export function validate<T extends Target, S extends z.ZodType>(
  target: T,
  schema: S,
  options: ValidateOptions = {},
) {
  const check = zValidator(target, schema, (result) => {
    if (!result.success) throw validationProblem(WHERE[target], result.error);
  });
  const middleware: MiddlewareHandler = async (c, next) => {
    if (target !== 'json') return check(c, next);
    if (options.optional && isAbsent(c)) {
      c.req.addValidatedData('json', schema.parse({}) as object);
      return next();
    }
    await readJsonBody(c);
    return check(c, next);
  };
  // hono-openapi documents a validated body as required: an optional one is described as such.
  const documented =
    target === 'json' && options.optional
      ? {
          spec: {
            requestBody: { required: false, content: { 'application/json': { schema: resolver(schema) } } },
          },
        }
      : { target, ...resolver(schema), options: undefined };
  Object.assign(middleware, { [uniqueSymbol]: documented });
  return middleware as typeof check;
}

function isAbsent(c: Context): boolean {
  return c.req.header('content-length') === '0' || !c.req.header('content-type');
}

/**
 * 415 for another media type, 400 for bad or missing JSON: checks the validator would answer with
 * a bare `{}` or an unhelpful message. The parsed body stays cached for the validator.
 */
async function readJsonBody(c: Context): Promise<void> {
  const contentType = c.req.header('content-type') ?? '';
  if (!JSON_MEDIA.test(contentType.split(';')[0]?.trim() ?? '')) {
    throw new HttpProblem({
      status: 415,
      type: ProblemType.validation,
      title: 'Unsupported media type',
      detail: `send the body as application/json (got ${contentType ? `'${contentType}'` : 'no content-type'})`,
      headers: { 'accept-post': 'application/json' },
    });
  }
  const text = await c.req.text();
  if (text.trim() === '') {
    throw new HttpProblem({
      status: 400,
      type: ProblemType.validation,
      title: 'Missing body',
      detail: 'this route needs a JSON body',
    });
  }
  try {
    JSON.parse(text);
  } catch (err) {
    throw new HttpProblem({
      status: 400,
      type: ProblemType.validation,
      title: 'Malformed JSON',
      detail: `request body is not valid JSON: ${(err as Error).message}`,
    });
  }
}
