import { Hono } from 'hono';
import { publicRoute, text } from '../openapi/describe.ts';
import { pageSecurityHeaders } from '../page-headers.ts';
import { DASHBOARD_CSS, DASHBOARD_HASH, DASHBOARD_HTML, DASHBOARD_JS } from './assets.generated.ts';

const pageHeaders = pageSecurityHeaders();

const IMMUTABLE = 'public, max-age=31536000, immutable';

/**
 * The realtime dashboard as a route module, mounted at /system/health/realtime. Its assets are
 * strings compiled into the bundle (assets.generated.ts), so Node and Workers serve it alike with
 * no filesystem. The page is public; every number it shows comes from admin routes it calls with
 * the token the operator enters.
 */
export function dashboardRoutes(): Hono {
  const routes = new Hono();

  routes.get(
    '/',
    publicRoute({
      summary: 'The realtime dashboard; the admin token is entered in the page',
      tags: ['pages'],
      responses: { 200: { description: 'The dashboard page', content: text('text/html') } },
    }),
    pageHeaders,
    (c) =>
      c.body(DASHBOARD_HTML, 200, {
        'content-type': 'text/html; charset=utf-8',
        'cache-control': 'no-cache',
      }),
  );

  const asset = (body: string, type: string) =>
    routes.get(`/app.${type === 'text/css' ? 'css' : 'js'}`, (c) => {
      const etag = `"${DASHBOARD_HASH}"`;
      const headers = {
        'content-type': `${type}; charset=utf-8`,
        etag,
        // Only a URL carrying this build's hash may be cached for good.
        'cache-control': c.req.query('v') === DASHBOARD_HASH ? IMMUTABLE : 'no-cache',
      };
      if (c.req.header('if-none-match') === etag) return c.body(null, 304, headers);
      return c.body(body, 200, headers);
    });
  asset(DASHBOARD_JS, 'text/javascript');
  asset(DASHBOARD_CSS, 'text/css');

  // Relative asset URLs resolve against the slash-less path only.
  routes.get('/*', (c) =>
    c.req.path.endsWith('/') ? c.redirect(c.req.path.replace(/\/+$/, ''), 308) : c.notFound(),
  );

  return routes;
}
