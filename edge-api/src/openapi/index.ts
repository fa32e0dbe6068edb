import { type Env, Hono } from 'hono';
import { type GenerateSpecOptions, generateSpecs } from 'hono-openapi';
import { z } from 'zod';
import { body, publicRoute } from './describe.ts';
import { type OpenApiDocument, renderReference } from './reference.ts';

export const OPENAPI_PATH = '/openapi.json';
export const DOCS_PATH = '/docs';

const documentation: GenerateSpecOptions['documentation'] = {
  info: {
    title: 'Telltale edge API',
    version: '0.1.0',
    description:
      'Cluster-wide health, metrics and admin commands for a Socket.IO cluster. Errors are application/problem+json (RFC 9457).',
    license: { name: 'MIT', identifier: 'MIT' },
  },
  servers: [{ url: '/', description: 'this edge' }],
  tags: [
    { name: 'health', description: 'Cluster and edge health' },
    { name: 'metrics', description: 'The merged cluster view' },
    { name: 'admin', description: 'Read-only admin views' },
    { name: 'commands', description: 'Commands routed to the nodes, and their audit trail' },
    { name: 'alerts', description: 'Alert state and rules' },
    { name: 'live', description: 'The live feed' },
    { name: 'pages', description: 'Pages and this document' },
  ],
  components: {
    securitySchemes: {
      adminBearer: {
        type: 'http',
        scheme: 'bearer',
        description:
          'ADMIN_TOKEN, or a JWT with role "admin" (HS256 with JWT_SECRET, or RS256/ES256 from JWT_JWKS_URL); VIEWER_TOKEN or a JWT with role "viewer" for GET routes only (every other method answers it 403)',
      },
      adminQueryToken: {
        type: 'apiKey',
        in: 'query',
        name: 'access_token',
        description: 'The same credential as a query parameter, for EventSource clients (/admin/events)',
      },
      adminWebSocketProtocol: {
        type: 'apiKey',
        in: 'header',
        name: 'Sec-WebSocket-Protocol',
        description:
          'For /admin/ws: offer the subprotocols `telltale-live` and `telltale-auth.<the credential, base64url>`; the edge answers with `telltale-live`',
      },
      metricsBearer: {
        type: 'http',
        scheme: 'bearer',
        description: 'METRICS_TOKEN, when set; /metrics is public otherwise',
      },
    },
  },
};

/**
 * `/openapi.json` (OpenAPI 3.1, generated from the routes' own validators and descriptions) and
 * `/docs`, a reference page rendered from it. Both public; `app` is the whole edge app, read once
 * on the first request, after every route is mounted.
 */
export function openApiRoutes<E extends Env>(app: Hono<E>): Hono<E> {
  const routes = new Hono<E>();
  let document: Promise<OpenApiDocument> | undefined;
  let page: Promise<{ html: string; csp: string }> | undefined;
  const read = () => {
    document ??= generateSpecs(app, {
      documentation,
      // Paths like /openapi.json are routes here, not static files.
      excludeStaticFile: false,
      defaultValidationErrorResponse: {
        description: 'Invalid input: the problem names each field (`body.rules[0].threshold: …`)',
        content: { 'application/problem+json': { schema: { $ref: '#/components/schemas/Problem' } } },
      },
    }) as Promise<OpenApiDocument>;
    return document;
  };

  routes.get(
    OPENAPI_PATH,
    publicRoute({
      summary: 'This OpenAPI 3.1 document',
      tags: ['pages'],
      responses: { 200: { description: 'The document', content: body(z.looseObject({})) } },
    }),
    async (c) => c.json(await read(), 200, { 'cache-control': 'no-cache' }),
  );

  routes.get(
    DOCS_PATH,
    publicRoute({
      summary: 'API reference page',
      description: 'Rendered on the server from /openapi.json: no script, no external assets.',
      tags: ['pages'],
      responses: { 200: { description: 'HTML', content: { 'text/html': { schema: { type: 'string' } } } } },
    }),
    async (c) => {
      page ??= read().then(renderReference);
      const { html, csp } = await page;
      return c.html(html, 200, {
        'cache-control': 'no-cache',
        'content-security-policy': csp,
        'referrer-policy': 'no-referrer',
        'x-frame-options': 'DENY',
      });
    },
  );

  return routes;
}
