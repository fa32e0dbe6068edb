import { Hono } from 'hono';
import { z } from 'zod';
import type { EdgeEnv, EdgeServices } from '../context.ts';
import { body, publicRoute, text } from '../openapi/describe.ts';
import { pageSecurityHeaders } from '../page-headers.ts';
import { validate } from '../problem/request.ts';
import { renderAtomFeed } from './atom.ts';
import { renderBadge, shieldsEndpoint, statusBadge, uptimeBadge } from './badge.ts';
import { renderStatusPage, STATUS_CSS, STATUS_JS } from './page.ts';
import { StatusReport } from './report.ts';
import { UptimeWindow } from './rollup.ts';

/** A burst of visitors costs one aggregator call (one Durable Object RPC on Workers) per this long. */
export const REPORT_REUSE_MS = 2000;
/** Shared caches (a CDN in front) may reuse the page 10 s; browsers revalidate, so a reload is current. */
const PAGE_CACHE = 'public, max-age=0, s-maxage=10';
const BADGE_CACHE = 'public, max-age=60, s-maxage=60';
const ASSET_CACHE = 'public, max-age=3600';

const BadgeQuery = z.object({ window: UptimeWindow.default('30d') });

const ShieldsEndpoint = z.object({
  schemaVersion: z.literal(1),
  label: z.string(),
  message: z.string(),
  color: z.string(),
});

/**
 * The public status: the page, its JSON and Atom feed, and badges. No credential and nothing per
 * socket, user or room (the same rule as public /health); every answer comes from the aggregator's
 * report, reused for REPORT_REUSE_MS, with Cache-Control so caches in front absorb bursts.
 */
export function statusRoutes(s: EdgeServices) {
  let reused: { at: number; report: Promise<StatusReport> } | null = null;
  const report = (): Promise<StatusReport> => {
    const now = s.now();
    if (!reused || now - reused.at >= REPORT_REUSE_MS) {
      const pending = s.aggregator.statusReport();
      reused = { at: now, report: pending };
      pending.catch(() => {
        if (reused?.report === pending) reused = null;
      });
    }
    return reused.report;
  };
  const settings = {
    title: s.config.STATUS_TITLE ?? `${s.config.CLUSTER_ID} status`,
    logoUrl: s.config.STATUS_LOGO_URL,
    links: s.config.STATUS_LINKS ?? [],
  };
  const logoOrigin = settings.logoUrl ? new URL(settings.logoUrl).origin : null;
  const pageHeaders = pageSecurityHeaders(logoOrigin ? [logoOrigin] : []);

  return new Hono<EdgeEnv>()
    .get(
      '/status',
      publicRoute({
        summary: 'The public status page (server-rendered HTML; works without JavaScript)',
        tags: ['status'],
        responses: { 200: { description: 'The status page', content: text('text/html') } },
      }),
      pageHeaders,
      async (c) => c.html(renderStatusPage(await report(), settings), 200, { 'cache-control': PAGE_CACHE }),
    )
    .get(
      '/status.json',
      publicRoute({
        summary:
          'The public status as JSON: state, components, uptime, 90 daily bars, incidents, maintenance',
        tags: ['status'],
        responses: { 200: { description: 'The status report', content: body(StatusReport) } },
      }),
      async (c) => {
        c.header('cache-control', PAGE_CACHE);
        return c.json(await report());
      },
    )
    .get(
      '/status/feed.atom',
      publicRoute({
        summary: 'Incidents and scheduled maintenance as an Atom feed',
        tags: ['status'],
        responses: { 200: { description: 'Atom 1.0', content: text('application/atom+xml') } },
      }),
      async (c) => {
        const baseUrl = s.config.PUBLIC_URL ?? new URL(c.req.url).origin;
        return c.body(renderAtomFeed(await report(), { title: settings.title, baseUrl }), 200, {
          'content-type': 'application/atom+xml; charset=utf-8',
          'cache-control': BADGE_CACHE,
        });
      },
    )
    .get('/status/status.css', (c) =>
      c.body(STATUS_CSS, 200, { 'content-type': 'text/css; charset=utf-8', 'cache-control': ASSET_CACHE }),
    )
    .get('/status/status.js', (c) =>
      c.body(STATUS_JS, 200, {
        'content-type': 'text/javascript; charset=utf-8',
        'cache-control': ASSET_CACHE,
      }),
    )
    .get(
      '/badge/status.svg',
      publicRoute({
        summary: 'A shields.io-style badge of the current state',
        tags: ['status'],
        responses: { 200: { description: 'SVG', content: text('image/svg+xml') } },
      }),
      async (c) =>
        c.body(renderBadge(statusBadge(await report())), 200, {
          'content-type': 'image/svg+xml; charset=utf-8',
          'cache-control': BADGE_CACHE,
        }),
    )
    .get(
      '/badge/uptime.svg',
      publicRoute({
        summary: 'A shields.io-style uptime badge (?window=24h|7d|30d|90d, default 30d)',
        tags: ['status'],
        responses: { 200: { description: 'SVG', content: text('image/svg+xml') } },
      }),
      validate('query', BadgeQuery),
      async (c) => {
        const { window } = c.req.valid('query');
        return c.body(renderBadge(uptimeBadge((await report()).uptime[window], window)), 200, {
          'content-type': 'image/svg+xml; charset=utf-8',
          'cache-control': BADGE_CACHE,
        });
      },
    )
    .get(
      '/badge/uptime.json',
      publicRoute({
        summary: 'shields.io endpoint JSON for the uptime badge (?window=24h|7d|30d|90d, default 30d)',
        tags: ['status'],
        responses: { 200: { description: 'shields.io endpoint schema', content: body(ShieldsEndpoint) } },
      }),
      validate('query', BadgeQuery),
      async (c) => {
        const { window } = c.req.valid('query');
        c.header('cache-control', BADGE_CACHE);
        return c.json(shieldsEndpoint(uptimeBadge((await report()).uptime[window], window)));
      },
    );
}
