import { Hono } from 'hono';
import { requireAdmin } from '../auth/middleware.ts';
import type { EdgeEnv, EdgeServices } from '../context.ts';
import { adminRoute, text } from '../openapi/describe.ts';
import { HttpProblem } from '../problem/index.ts';

/**
 * The live feed: `/admin/ws` (WebSocket; the runtime injects the upgrade) and `/admin/events`
 * (Server-Sent Events, the fallback, same update messages). Both accept `?access_token=` because
 * browsers cannot put an Authorization header on either.
 */
export function liveRoutes(s: EdgeServices): Hono<EdgeEnv> {
  const routes = new Hono<EdgeEnv>();
  const admin = requireAdmin(s.auth, { allowQueryToken: true });

  routes.get(
    '/ws',
    adminRoute({
      summary: 'WebSocket live feed',
      description:
        'Send {"type":"pause"|"resume"|"subscribe"|"force-update"}; receives the update messages. 426 without an Upgrade header.',
      tags: ['live'],
      queryToken: true,
      responses: { 101: { description: 'Switching to the WebSocket protocol' } },
    }),
    admin,
    async (c) => {
      if (c.req.header('upgrade')?.toLowerCase() !== 'websocket') {
        throw new HttpProblem({
          status: 426,
          title: 'Upgrade required',
          detail: 'connect with a WebSocket client, or use /admin/events (Server-Sent Events)',
          headers: { upgrade: 'websocket' },
        });
      }
      if (!s.liveFeed) {
        throw new HttpProblem({
          status: 501,
          title: 'WebSocket feed unavailable',
          detail: 'this runtime serves the live feed over Server-Sent Events only: use /admin/events',
        });
      }
      return s.liveFeed(c);
    },
  );

  routes.get(
    '/events',
    adminRoute({
      summary: 'The live feed as Server-Sent Events',
      tags: ['live'],
      queryToken: true,
      responses: {
        200: { description: 'An event stream of update messages', content: text('text/event-stream') },
      },
    }),
    admin,
    async (c) => {
      const body = await s.aggregator.eventStream(c.req.raw.signal);
      return new Response(body, {
        headers: {
          'content-type': 'text/event-stream; charset=utf-8',
          'cache-control': 'no-store',
          'x-accel-buffering': 'no',
        },
      });
    },
  );

  return routes;
}
