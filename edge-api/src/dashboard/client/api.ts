import type { z } from 'zod';
import { Problem } from './schemas.ts';
import type { TokenStore } from './token.ts';

/** An API answer the dashboard cannot use, with the message an operator should see. */
export class ApiError extends Error {
  constructor(
    message: string,
    readonly status: number,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

export interface AdminApi {
  readonly base: string;
  get<S extends z.ZodType>(path: string, schema: S): Promise<z.infer<S>>;
  post<S extends z.ZodType>(path: string, schema: S, body?: unknown): Promise<z.infer<S>>;
}

/** Every call carries the admin token; a 401 asks the operator for it again and retries once. */
export function createApi(base: string, tokens: TokenStore): AdminApi {
  async function call<S extends z.ZodType>(method: string, path: string, schema: S, body?: unknown) {
    let token = await tokens.get();
    for (let attempt = 0; ; attempt++) {
      const headers: Record<string, string> = {
        authorization: `Bearer ${token}`,
        accept: 'application/json',
      };
      if (body !== undefined) headers['content-type'] = 'application/json';
      const response = await fetch(`${base}${path}`, {
        method,
        headers,
        body: body === undefined ? null : JSON.stringify(body),
        cache: 'no-store',
      });
      if ((response.status === 401 || response.status === 403) && attempt === 0) {
        token = await tokens.reject(`The edge API refused that token (HTTP ${response.status}). Try again.`);
        continue;
      }
      return readAnswer(response, schema, `${method} ${path}`);
    }
  }
  return {
    base,
    get: (path, schema) => call('GET', path, schema),
    post: (path, schema, body) => call('POST', path, schema, body),
  };
}

async function readAnswer<S extends z.ZodType>(
  response: Response,
  schema: S,
  what: string,
): Promise<z.infer<S>> {
  const text = await response.text();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new ApiError(`${what}: HTTP ${response.status}, answer is not JSON`, response.status);
  }
  // Partial command answers (207) are answers, not errors.
  if (!response.ok && response.status !== 207) {
    const problem = Problem.safeParse(json);
    const detail = problem.success ? (problem.data.detail ?? problem.data.title) : undefined;
    throw new ApiError(`${what}: HTTP ${response.status}${detail ? `: ${detail}` : ''}`, response.status);
  }
  const parsed = schema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new ApiError(
      `${what}: unexpected answer (${issue?.path.join('.') || 'body'}: ${issue?.message ?? 'invalid'})`,
      response.status,
    );
  }
  return parsed.data;
}

/** The API's base path: the dashboard lives at <base>/system/health/realtime. */
export function apiBase(pathname: string): string {
  return pathname.replace(/\/system\/health\/realtime\/?$/, '');
}
