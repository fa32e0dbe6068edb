import { type DescribeRouteOptions, describeRoute, resolver } from 'hono-openapi';
import { z } from 'zod';

/** RFC 9457 problem details: every error answer of the edge, extension members allowed. */
export const Problem = z
  .looseObject({
    type: z.string(),
    title: z.string(),
    status: z.number().int(),
    detail: z.string(),
    instance: z.string(),
  })
  .meta({ id: 'Problem', description: 'RFC 9457 problem details (application/problem+json)' });

type Responses = NonNullable<DescribeRouteOptions['responses']>;
type Content = Record<string, { schema: ReturnType<typeof resolver> | Record<string, unknown> }>;

/** A response body described by a zod schema (the answer's own schema, not a copy of it). */
export const body = (schema: z.ZodType, mediaType = 'application/json'): Content => ({
  [mediaType]: { schema: resolver(schema) },
});

/** A response body that is text in the given media types. */
export const text = (...mediaTypes: string[]): Content =>
  Object.fromEntries(mediaTypes.map((m) => [m, { schema: { type: 'string' } }]));

const problem = (description: string) => ({
  description,
  content: { 'application/problem+json': { schema: { $ref: '#/components/schemas/Problem' } } },
});

/** `?fresh=1` on /health and /metrics: read the store now; admins only (see fresh.ts). */
export const fresh = {
  parameters: [
    {
      name: 'fresh',
      in: 'query' as const,
      required: false,
      description: 'Read the store now instead of answering from the last tick (admins only; 0 or false: no)',
      schema: { type: 'string' as const },
    },
  ],
  responses: {
    401: problem('?fresh without a valid admin credential'),
    403: problem('?fresh with a credential that is not an admin one'),
  },
};

const problems: Responses = {
  default: {
    description: 'An error, as application/problem+json (the status says which)',
    content: body(Problem, 'application/problem+json'),
  },
};

interface Described {
  summary: string;
  description?: string;
  tags: string[];
  /** Only for parameters no validator describes. */
  parameters?: DescribeRouteOptions['parameters'];
  responses: Responses;
}

/** A public route: no credential, or optionally the bearer scheme named by `bearer`. */
export const publicRoute = (route: Described & { bearer?: string }) => {
  const { bearer, ...rest } = route;
  return describeRoute({
    ...rest,
    security: bearer ? [{}, { [bearer]: [] }] : [],
    responses: {
      ...rest.responses,
      ...(bearer ? { 401: problem('The token is set and the request did not carry it') } : {}),
      ...problems,
    },
  });
};

/**
 * An admin route: the admin bearer token or an admin JWT; `queryToken` adds `?access_token=`,
 * `protocolToken` the WebSocket subprotocol offer, `mutation` the rate limit's 429.
 */
export const adminRoute = (
  route: Described & { queryToken?: boolean; protocolToken?: boolean; mutation?: boolean },
) => {
  const { queryToken, protocolToken, mutation, ...rest } = route;
  return describeRoute({
    ...rest,
    security: [
      { adminBearer: [] },
      ...(queryToken ? [{ adminQueryToken: [] }] : []),
      ...(protocolToken ? [{ adminWebSocketProtocol: [] }] : []),
    ],
    responses: {
      ...rest.responses,
      401: problem('No credential, or not a valid one'),
      403: problem('A valid credential without the admin role'),
      ...(mutation
        ? { 429: problem('Rate limited (per actor, then per client address); see Retry-After') }
        : {}),
      503: problem('No admin credential configured, or the store or cluster view is unavailable'),
      ...problems,
    },
  });
};
