import { type ClientResponse, hc } from 'hono/client';
import type { z } from 'zod';
import type { EdgeApi } from '../../app.ts';
import { Problem } from './schemas.ts';
import type { TokenStore } from './token.ts';

/** The edge API as a typed client: paths, inputs and answers come from the app's own routes. */
export type ApiClient = ReturnType<typeof hc<EdgeApi>>;

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

/** The JSON body a typed client call answers with. */
export type AnswerOf<R> = R extends ClientResponse<infer T, number, 'json'> ? T : never;

export interface AdminApi {
  readonly base: string;
  /** Typed from the app (`hc<EdgeApi>`); every request carries the admin token. */
  readonly client: ApiClient;
  /** Awaits a `client` call and answers its JSON body, or throws an ApiError an operator can read. */
  read<R extends ClientResponse<unknown, number, string>>(
    call: Promise<R>,
    what: string,
  ): Promise<AnswerOf<R>>;
  /** For answers whose type the route cannot state (content-negotiated `/metrics`): checked with a schema. */
  get<S extends z.ZodType>(path: string, schema: S): Promise<z.infer<S>>;
}

/**
 * Every call carries the token; a 401 (unknown token) asks the operator for it again and retries once.
 * A 403 is an answer: the token is good but its role may not do that (a viewer acting), and the problem says why.
 */
export function createApi(base: string, tokens: Pick<TokenStore, 'get' | 'reject'>): AdminApi {
  const authorizedFetch = async (input: RequestInfo | URL, init?: RequestInit): Promise<Response> => {
    let token = await tokens.get();
    for (let attempt = 0; ; attempt++) {
      const headers = new Headers(init?.headers);
      headers.set('authorization', `Bearer ${token}`);
      headers.set('accept', 'application/json');
      const response = await fetch(input, { ...init, headers, cache: 'no-store' });
      if (response.status === 401 && attempt === 0) {
        token = await tokens.reject(`The edge API refused that token (HTTP ${response.status}). Try again.`);
        continue;
      }
      return response;
    }
  };
  const client = hc<EdgeApi>(base || '/', { fetch: authorizedFetch });
  return {
    base,
    client,
    read: async (call, what) => (await readJson(await call, what)) as never,
    get: async (path, schema) =>
      checked(await readJson(await authorizedFetch(`${base}${path}`), `GET ${path}`), schema, `GET ${path}`),
  };
}

async function readJson(response: Response, what: string): Promise<unknown> {
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
  return json;
}

function checked<S extends z.ZodType>(json: unknown, schema: S, what: string): z.infer<S> {
  const parsed = schema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new ApiError(
      `${what}: unexpected answer (${issue?.path.join('.') || 'body'}: ${issue?.message ?? 'invalid'})`,
      200,
    );
  }
  return parsed.data;
}

/**
 * A path parameter as the client must send it: `hc` puts params into the path as they are, and a user id
 * may hold `/`, `?` or `#`. The edge decodes it back.
 */
export const pathParam = (value: string): string => encodeURIComponent(value);

/** The API's base path: the dashboard lives at <base>/system/health/realtime. */
export function apiBase(pathname: string): string {
  return pathname.replace(/\/system\/health\/realtime\/?$/, '');
}
