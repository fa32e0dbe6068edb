import {
  type ClusterView,
  type ExpositionOptions,
  JSON_CONTENT_TYPE,
  METRICS_FORMATS,
  type MetricsFormat,
  negotiateMetricsFormat,
  OPENMETRICS_CONTENT_TYPE,
  PROMETHEUS_CONTENT_TYPE,
  renderOpenMetrics,
  renderPrometheus,
  roomPrefix,
} from '@telltale/shared';
import { Hono } from 'hono';
import { z } from 'zod';
import { HistoryQuery } from '../aggregator/history.ts';
import type { EdgeEnv, EdgeServices } from '../context.ts';
import { wantsFresh } from '../fresh.ts';
import { noClusterView } from '../problem/index.ts';
import { readQuery } from '../problem/request.ts';

const MetricsQuery = z.object({
  format: z
    .enum(METRICS_FORMATS, { error: `format must be one of ${METRICS_FORMATS.join(', ')}` })
    .optional(),
});

const CONTENT_TYPES: Record<MetricsFormat, string> = {
  json: JSON_CONTENT_TYPE,
  prometheus: PROMETHEUS_CONTENT_TYPE,
  openmetrics: OPENMETRICS_CONTENT_TYPE,
};

const RENDERERS: Record<MetricsFormat, (view: ClusterView, options: ExpositionOptions) => string> = {
  json: (view) => JSON.stringify(publicView(view)),
  prometheus: renderPrometheus,
  openmetrics: renderOpenMetrics,
};

/** Every scrape between two ticks gets the same view object, so each format renders once per tick. */
const renderCache = new WeakMap<ClusterView, Partial<Record<MetricsFormat, string>>>();

function rendered(view: ClusterView, format: MetricsFormat, options: ExpositionOptions): string {
  const bodies = renderCache.get(view) ?? {};
  renderCache.set(view, bodies);
  bodies[format] ??= RENDERERS[format](view, options);
  return bodies[format];
}

export function metricsRoutes(s: EdgeServices): Hono<EdgeEnv> {
  const routes = new Hono<EdgeEnv>();
  const exposition: ExpositionOptions = {
    scope: 'cluster',
    ...(s.config.LATENCY_BUCKETS ? { latencyBuckets: s.config.LATENCY_BUCKETS } : {}),
  };

  routes.get('/', async (c) => {
    await s.auth.metrics(c.req.header('authorization'));
    const { format: formatParam } = readQuery(c, MetricsQuery);
    const latest = await s.aggregator.latest({ fresh: await wantsFresh(c, s) });
    if (!latest.view) throw noClusterView(latest.error, { 'retry-after': '5' });
    const format = negotiateMetricsFormat(c.req.header('accept') ?? null, formatParam ?? null);
    c.header('cache-control', 'no-store');
    c.header('vary', 'Accept');
    return c.body(rendered(latest.view, format, exposition), 200, { 'content-type': CONTENT_TYPES[format] });
  });

  routes.get('/history', s.admin, async (c) =>
    c.json(await s.aggregator.history(readQuery(c, HistoryQuery))),
  );

  return routes;
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
      largest: largest ? { name: `${roomPrefix(largest.name)}:*`, size: largest.size } : null,
    },
  };
}
