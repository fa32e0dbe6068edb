import type { Context } from 'hono';
import { HTTPException } from 'hono/http-exception';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import type { z } from 'zod';

export const PROBLEM_CONTENT_TYPE = 'application/problem+json';

/** Problem `type` URIs (RFC 9457 §3.1.1); `about:blank` when the status code says it all. */
export const ProblemType = {
  blank: 'about:blank',
  validation: 'urn:telltale:problem:validation',
  unauthorized: 'urn:telltale:problem:unauthorized',
  forbidden: 'urn:telltale:problem:forbidden',
  adminDisabled: 'urn:telltale:problem:admin-disabled',
  rateLimited: 'urn:telltale:problem:rate-limited',
  notFound: 'urn:telltale:problem:not-found',
  storeUnavailable: 'urn:telltale:problem:store-unavailable',
  noLiveNode: 'urn:telltale:problem:no-live-node',
} as const;

export interface ProblemInit {
  status: ContentfulStatusCode;
  title: string;
  detail: string;
  type?: string;
  /** Extension members (RFC 9457 §3.2), e.g. `errors` for validation or the command result. */
  extensions?: Record<string, unknown>;
  headers?: Record<string, string>;
}

/**
 * Thrown anywhere in a request: a Hono `HTTPException` whose response is the problem+json answer,
 * so the app's onError (or Hono's own) answers with `getResponse()`.
 */
export class HttpProblem extends HTTPException {
  constructor(readonly init: ProblemInit) {
    super(init.status, { message: init.detail });
    this.name = 'HttpProblem';
  }

  /** `instance` is the request path; the app's onError passes it. */
  override getResponse(instance?: string): Response {
    const { init } = this;
    const body = {
      type: init.type ?? ProblemType.blank,
      title: init.title,
      status: init.status,
      detail: init.detail,
      instance,
      ...init.extensions,
    };
    return new Response(JSON.stringify(body), {
      status: init.status,
      headers: { ...init.headers, 'content-type': PROBLEM_CONTENT_TYPE },
    });
  }
}

/** The problem+json answer, with the headers already set on `c`. */
export function problem(c: Context, init: ProblemInit): Response {
  const res = new HttpProblem(init).getResponse(c.req.path);
  return c.newResponse(res.body, res);
}

export interface FieldError {
  path: string;
  message: string;
}

/** `rules[0].threshold` style paths so the operator sees exactly which field was wrong. */
export function fieldErrors(error: z.core.$ZodError): FieldError[] {
  return error.issues.map((issue) => ({
    path: issue.path.reduce<string>(
      (acc, key) =>
        typeof key === 'number' ? `${acc}[${key}]` : acc ? `${acc}.${String(key)}` : String(key),
      '',
    ),
    message: issue.message,
  }));
}

export function validationProblem(where: 'body' | 'query' | 'path', error: z.core.$ZodError): HttpProblem {
  const errors = fieldErrors(error);
  const located = (path: string) =>
    path === '' ? where : path.startsWith('[') ? `${where}${path}` : `${where}.${path}`;
  const detail = errors.map((e) => `${located(e.path)}: ${e.message}`).join('; ');
  return new HttpProblem({
    status: 400,
    type: ProblemType.validation,
    title: `Invalid request ${where}`,
    detail,
    extensions: { errors },
  });
}

/**
 * 503 for a failed store call. The answer says what kind of failure it was and nothing more: a
 * Redis reply can carry script hashes and Lua line numbers, so the message goes to the log only.
 */
export function storeUnavailable(err: unknown): HttpProblem {
  console.error('[edge] store call failed:', err);
  return new HttpProblem({
    status: 503,
    type: ProblemType.storeUnavailable,
    title: 'Store unavailable',
    detail: `${describeStoreError(err)}; the error is in the edge log`,
    headers: { 'retry-after': '5' },
  });
}

/** Network error codes name the failure without revealing anything the store said. */
const NETWORK_CODE = /^E[A-Z]+$/;

/**
 * One client-safe phrase for a store failure: a network code (`ECONNREFUSED`) is kept, a reply
 * from Redis or Upstash (which may quote script internals) is only named.
 */
export function describeStoreError(err: unknown): string {
  const { name, code, message } = (err ?? {}) as { name?: unknown; code?: unknown; message?: unknown };
  if (typeof code === 'string' && NETWORK_CODE.test(code))
    return `the metrics store is unreachable (${code})`;
  const text = typeof message === 'string' ? message : '';
  if (name === 'ReplyError' || name === 'UpstashError' || /\bscript\b|@user_script|^[A-Z]+ /.test(text)) {
    return 'the metrics store rejected the request';
  }
  return 'the metrics store did not answer';
}

/** 503 for a route that answers from the cluster view while there is none: not read yet, or the read failed. */
export const noClusterView = (reason: string | null, headers?: Record<string, string>) =>
  new HttpProblem({
    status: 503,
    type: ProblemType.storeUnavailable,
    title: 'No cluster view',
    detail: reason ?? 'the cluster has not been read yet',
    headers,
  });

/** Awaits a store call; a rejected cursor becomes a 400, any other rejection a 503 instead of a 500. */
export async function fromStore<T>(call: Promise<T>): Promise<T> {
  try {
    return await call;
  } catch (err) {
    if (err instanceof HttpProblem) throw err;
    throw invalidCursor(err) ?? storeUnavailable(err);
  }
}

/**
 * 400 for the adapters' InvalidCursorError (matched by name: over a Durable Object stub the class
 * does not survive); its message is ours, never the store's.
 */
export function invalidCursor(err: unknown): HttpProblem | null {
  if ((err as Error | null)?.name !== 'InvalidCursorError') return null;
  return new HttpProblem({
    status: 400,
    type: ProblemType.validation,
    title: 'Invalid cursor',
    detail: (err as Error).message,
  });
}
