import { Hono } from 'hono';
import { requireAdmin } from '../auth/middleware.ts';
import type { EdgeEnv, EdgeServices } from '../context.ts';
import { adminRoute, body, text } from '../openapi/describe.ts';
import { HttpProblem } from '../problem/index.ts';
import { validate } from '../problem/request.ts';
import { FeedUpdate, FeedUpdateQuery, feedUpdate } from './update.ts';

/**
 * The live feed, in the three forms the dashboard steps between: `/admin/ws` (WebSocket; the
 * runtime injects the upgrade; the token comes in the `Sec-WebSocket-Protocol` offer, never the
 * URL), `/admin/events` (Server-Sent Events, same update messages; `?access_token=` for
 * EventSource clients) and `/admin/live/update` (one update, for polling: the admin view, not the
 * public /metrics with its masked fields).
 */
export function liveRoutes(s: EdgeServices) {
  const socketAdmin = requireAdmin(s.auth, { allowProtocolToken: true });
  const streamAdmin = requireAdmin(s.auth, { allowQueryToken: true });

  return new Hono<EdgeEnv>()
    .get(
      '/ws',
      adminRoute({
        summary: 'WebSocket live feed',
        description:
          'Send {"type":"pause"|"resume"|"subscribe"|"force-update"}; receives the update messages. 426 without an Upgrade header.',
        tags: ['live'],
        protocolToken: true,
        responses: { 101: { description: 'Switching to the WebSocket protocol' } },
      }),
      socketAdmin,
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
    )
    .get(
      '/events',
      adminRoute({
        summary: 'The live feed as Server-Sent Events',
        tags: ['live'],
        queryToken: true,
        responses: {
          200: { description: 'An event stream of update messages', content: text('text/event-stream') },
        },
      }),
      streamAdmin,
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
    )
    .get(
      '/live/update',
      adminRoute({
        summary: 'One live-feed update, for clients that poll',
        description:
          'The message the WebSocket and SSE feeds push: the admin cluster view (room names unmasked), health status and firing alerts.',
        tags: ['live'],
        responses: { 200: { description: 'The latest update', content: body(FeedUpdate) } },
      }),
      s.admin,
      validate('query', FeedUpdateQuery),
      async (c) => {
        const { fresh } = c.req.valid('query');
        const forced = fresh === '1' || fresh === 'true';
        return c.json(feedUpdate(await s.aggregator.latest({ fresh: forced }), forced));
      },
    );
}
