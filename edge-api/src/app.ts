import { Hono } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { cors } from 'hono/cors';
import { HTTPException } from 'hono/http-exception';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import { adminRoutes } from './admin/routes.ts';
import { alertRoutes } from './alerts/routes.ts';
import { createAuthenticator } from './auth/index.ts';
import { requireAdmin } from './auth/middleware.ts';
import { sessionRoutes } from './auth/routes.ts';
import { commandRoutes } from './commands/routes.ts';
import type { AppDeps, EdgeEnv, EdgeServices } from './context.ts';
import { dashboardRoutes } from './dashboard/index.ts';
import { healthRoutes } from './health/routes.ts';
import { liveRoutes } from './live/routes.ts';
import { metricsRoutes } from './metrics/routes.ts';
import { openApiRoutes } from './openapi/index.ts';
import { HttpProblem, ProblemType, problem } from './problem/index.ts';
import { rateLimitAdmin, TokenBuckets } from './rate-limit/index.ts';
import { statusAdminRoutes } from './status/admin-routes.ts';
import { statusRoutes } from './status/routes.ts';
import { tapRoutes } from './taps/routes.ts';

export const DASHBOARD_PATH = '/system/health/realtime';
const DEFAULT_MAX_BODY_BYTES = 64 * 1024;

/**
 * Every API route, chained so the type carries each route's input and output: the dashboard's client
 * takes its types from `EdgeApi` (hono/client `hc`). A new route module is mounted here.
 */
function apiRoutes(services: EdgeServices) {
  return new Hono<EdgeEnv>()
    .route('/health', healthRoutes(services))
    .route('/metrics', metricsRoutes(services))
    .route('/admin', adminRoutes(services))
    .route('/admin', commandRoutes(services))
    .route('/admin', sessionRoutes(services))
    .route('/admin', alertRoutes(services))
    .route('/admin', liveRoutes(services))
    .route('/admin', tapRoutes(services))
    .route('/admin', statusAdminRoutes(services))
    .route('/', statusRoutes(services));
}

/** The API's routes as types, for `hc<EdgeApi>(base)`. */
export type EdgeApi = ReturnType<typeof apiRoutes>;

/**
 * The edge API: one Hono app on web-standard Request/Response, so the same code serves Node and
 * Workers. Runtime specifics (store adapter, aggregator transport, WebSocket upgrade) come in deps.
 */
export function createApp(deps: AppDeps): Hono<EdgeEnv> {
  const { config } = deps;
  const auth = createAuthenticator({
    adminToken: config.ADMIN_TOKEN,
    viewerToken: config.VIEWER_TOKEN,
    metricsToken: config.METRICS_TOKEN,
    jwtSecret: config.JWT_SECRET,
    jwksUrl: config.JWT_JWKS_URL,
    now: deps.now,
  });
  const now = deps.now ?? Date.now;
  const admin = requireAdmin(auth);
  const limit = rateLimitAdmin({
    byActor: new TokenBuckets(
      deps.adminRateLimit ?? config.ADMIN_RATE_LIMIT ?? { capacity: 20, refillPerSecond: 5 },
      now,
    ),
    byClient: new TokenBuckets(
      deps.clientRateLimit ?? config.ADMIN_CLIENT_RATE_LIMIT ?? { capacity: 40, refillPerSecond: 10 },
      now,
    ),
    clientAddress: deps.clientAddress,
  });
  const services: EdgeServices = {
    config,
    store: deps.store,
    aggregator: deps.aggregator,
    auth,
    now,
    admin,
    limit,
    liveFeed: deps.liveFeed,
    taps: deps.taps,
  };
  const maxSize = deps.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;

  const app = new Hono<EdgeEnv>();
  const origins = parseOrigins(config.CORS_ORIGINS);
  if (origins) {
    app.use(
      '*',
      cors({
        origin: origins,
        allowHeaders: ['Authorization', 'Content-Type'],
        allowMethods: ['GET', 'POST', 'PUT', 'DELETE', 'OPTIONS'],
        maxAge: 600,
      }),
    );
  }
  app.use('*', async (c, next) => {
    await next();
    c.header('x-content-type-options', 'nosniff');
  });
  app.use(
    '/admin/*',
    bodyLimit({
      maxSize,
      onError: (c) =>
        problem(c, {
          status: 413,
          type: ProblemType.validation,
          title: 'Body too large',
          detail: `request bodies are limited to ${maxSize} bytes`,
        }),
    }),
  );

  app.route('/', apiRoutes(services));
  app.route(DASHBOARD_PATH, deps.dashboard ?? dashboardRoutes());
  app.route('/', openApiRoutes(app));

  app.notFound((c) =>
    problem(c, {
      status: 404,
      title: 'Not found',
      detail: `no route for ${c.req.method} ${c.req.path}`,
    }),
  );

  app.onError((err, c) => {
    if (err instanceof HttpProblem) {
      const res = err.getResponse(c.req.path);
      return c.newResponse(res.body, res);
    }
    if (err instanceof HTTPException) {
      return problem(c, {
        status: err.status as ContentfulStatusCode,
        title: err.message || 'Request rejected',
        detail: err.message || `request rejected with status ${err.status}`,
      });
    }
    // Unknown failures are logged with their stack here and never leak into the answer.
    console.error(`[edge] ${c.req.method} ${c.req.path} failed:`, err);
    return problem(c, {
      status: 500,
      title: 'Internal error',
      detail: 'the edge API failed to answer this request; the error is in its log',
    });
  });

  return app;
}

/** CORS_ORIGINS: comma-separated origins, or `*`. Unset: no CORS headers (same-origin only). */
function parseOrigins(value: string | undefined): string | string[] | null {
  const list = (value ?? '')
    .split(',')
    .map((o) => o.trim())
    .filter(Boolean);
  if (list.length === 0) return null;
  return list.includes('*') ? '*' : list;
}
