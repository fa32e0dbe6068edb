import {
  ClusterView,
  JSON_CONTENT_TYPE,
  METRICS_FORMATS,
  type MetricsFormat,
  negotiateMetricsFormat,
  OPENMETRICS_CONTENT_TYPE,
  PROMETHEUS_CONTENT_TYPE,
  type RenderOptions,
  renderOpenMetrics,
  renderPrometheus,
  roomPrefix,
  sloMetricFamilies,
} from '@telltale/shared';
import { Hono } from 'hono';
import { z } from 'zod';
import { HistoryQuery } from '../aggregator/history.ts';
import type { EdgeEnv, EdgeServices } from '../context.ts';
import { wantsFresh } from '../fresh.ts';
import { withDetail } from '../node-detail.ts';
import { adminRoute, body, fresh, publicRoute, text } from '../openapi/describe.ts';
import { noClusterView } from '../problem/index.ts';
import { validate } from '../problem/request.ts';

const MetricsQuery = z.object({
  format: z
    .enum(METRICS_FORMATS, { error: `format must be one of ${METRICS_FORMATS.join(', ')}` })
    .optional(),
});

const History = z.looseObject({
  resolution: z.enum(['tick', '1m']),
  intervalMs: z.number(),
  from: z.number(),
  to: z.number(),
  points: z.array(z.looseObject({ at: z.number() })),
});

const CONTENT_TYPES: Record<MetricsFormat, string> = {
  json: JSON_CONTENT_TYPE,
  prometheus: PROMETHEUS_CONTENT_TYPE,
  openmetrics: OPENMETRICS_CONTENT_TYPE,
};

const RENDERERS: Record<MetricsFormat, (view: ClusterView, options: RenderOptions) => string> = {
  json: (view) => JSON.stringify(publicView(view)),
  prometheus: renderPrometheus,
  openmetrics: renderOpenMetrics,
};

/** Every scrape between two ticks gets the same view object, so each format renders once per tick. */
const renderCache = new WeakMap<ClusterView, Partial<Record<MetricsFormat, string>>>();

function rendered(view: ClusterView, format: MetricsFormat, options: RenderOptions): string {
  const bodies = renderCache.get(view) ?? {};
  renderCache.set(view, bodies);
  bodies[format] ??= RENDERERS[format](view, options);
  return bodies[format];
}

export function metricsRoutes(s: EdgeServices) {
  const exposition: RenderOptions = {
    scope: 'cluster',
    ...(s.config.LATENCY_BUCKETS ? { latencyBuckets: s.config.LATENCY_BUCKETS } : {}),
  };

  return new Hono<EdgeEnv>()
    .get(
      '/',
      publicRoute({
        summary: 'The merged cluster view: JSON, Prometheus 0.0.4 or OpenMetrics (by Accept or ?format=)',
        description: 'Public, or METRICS_TOKEN as a bearer token when set. Room names are masked.',
        tags: ['metrics'],
        bearer: 'metricsBearer',
        parameters: fresh.parameters,
        responses: {
          ...fresh.responses,
          200: {
            description: 'The view in the negotiated format',
            content: {
              ...body(ClusterView.meta({ id: 'ClusterView' })),
              ...text('text/plain', 'application/openmetrics-text'),
            },
          },
        },
      }),
      async (c, next) => {
        await s.auth.metrics(c.req.header('authorization'));
        await next();
      },
      validate('query', MetricsQuery),
      async (c) => {
        const { format: formatParam } = c.req.valid('query');
        const latest = await s.aggregator.latest({ fresh: await wantsFresh(c, s) });
        if (!latest.view) throw noClusterView(latest.error, { 'retry-after': '5' });
        const format = negotiateMetricsFormat(c.req.header('accept') ?? null, formatParam ?? null);
        c.header('cache-control', 'no-store');
        c.header('vary', 'Accept');
        // The SLO of the same tick as the view, so the render cache (by view) holds both.
        const options = { ...exposition, extraFamilies: sloMetricFamilies(latest.slo) };
        const view = await withDetail(latest.view, s.store);
        return c.body(rendered(view, format, options), 200, {
          'content-type': CONTENT_TYPES[format],
        });
      },
    )
    .get(
      '/history',
      adminRoute({
        summary: 'History: tick points up to 120 minutes, 1-minute rollups up to 1440',
        tags: ['metrics'],
        responses: { 200: { description: 'Points, oldest first', content: body(History) } },
      }),
      s.admin,
      validate('query', HistoryQuery),
      async (c) => c.json(await s.aggregator.history(c.req.valid('query'))),
    );
}

/**
 * /metrics may be public, and room names carry ids (`user:42`, `thread:7`): the public body keeps
 * room counts and sizes but not names. Admins list rooms by name on /admin/rooms.
 */
export function publicView(view: ClusterView): ClusterView {
  const largest = view.rooms.largest;
  return {
    ...view,
    // Per-node sketches feed the histogram exposition; the JSON body has the merged percentiles.
    nodes: { ...view.nodes, list: view.nodes.list.map((n) => ({ ...n, latency: null })) },
    rooms: {
      ...view.rooms,
      top: [],
      largest: largest ? { ...largest, name: `${roomPrefix(largest.name)}:*` } : null,
    },
  };
}
