import { HealthReport, healthHttpStatus, renderVerboseHealth, withTimeout } from '@telltale/shared';
import { Hono } from 'hono';
import type { EdgeEnv, EdgeServices } from '../context.ts';
import { wantsFresh } from '../fresh.ts';
import { body, fresh, publicRoute, text } from '../openapi/describe.ts';

const HEALTH_JSON = 'application/health+json';
const PING_TIMEOUT_MS = 2000;

/** The edge's own probes: health+json like the cluster report, checks only when it has some. */
const EdgeHealth = HealthReport.partial({ checks: true });

/** Probes between two ticks get the same report object, so it is serialized once per tick. */
const bodies = new WeakMap<HealthReport, string>();

function serialized(report: HealthReport): string {
  let text = bodies.get(report);
  if (text === undefined) {
    text = JSON.stringify(report);
    bodies.set(report, text);
  }
  return text;
}

/** `/health` answers for the cluster (from the aggregator); `/health/live` and `/ready` for this edge. */
export function healthRoutes(s: EdgeServices) {
  return new Hono<EdgeEnv>()
    .get(
      '/',
      publicRoute({
        summary: 'Cluster health (application/health+json); ?verbose for Kubernetes-style text lines',
        tags: ['health'],
        parameters: [
          {
            name: 'verbose',
            in: 'query',
            required: false,
            allowEmptyValue: true,
            schema: { type: 'string' },
          },
          ...fresh.parameters,
        ],
        responses: {
          ...fresh.responses,
          200: {
            description: 'pass or warn',
            content: { ...body(HealthReport, HEALTH_JSON), ...text('text/plain') },
          },
          503: {
            description: 'fail',
            content: { ...body(HealthReport, HEALTH_JSON), ...text('text/plain') },
          },
        },
      }),
      async (c) => {
        const latest = await s.aggregator.latest({ fresh: await wantsFresh(c, s) });
        const status = healthHttpStatus(latest.health);
        c.header('cache-control', 'no-store');
        if (c.req.query('verbose') !== undefined) return c.text(renderVerboseHealth(latest.health), status);
        return c.body(serialized(latest.health), status, { 'content-type': HEALTH_JSON });
      },
    )
    .get(
      '/live',
      publicRoute({
        summary: 'This edge is alive',
        tags: ['health'],
        responses: { 200: { description: 'pass', content: body(EdgeHealth, HEALTH_JSON) } },
      }),
      (c) =>
        c.body(
          JSON.stringify({
            status: 'pass',
            serviceId: 'telltale-edge',
            description: 'edge API process is alive',
          }),
          200,
          {
            'content-type': HEALTH_JSON,
            'cache-control': 'no-store',
          },
        ),
    )
    .get(
      '/ready',
      publicRoute({
        summary: 'This edge can reach its store',
        tags: ['health'],
        responses: {
          200: { description: 'pass', content: body(HealthReport, HEALTH_JSON) },
          503: { description: 'fail: the store did not answer', content: body(HealthReport, HEALTH_JSON) },
        },
      }),
      async (c) => {
        c.header('cache-control', 'no-store');
        try {
          const ms = await withTimeout(s.store.ping(), PING_TIMEOUT_MS);
          const check = { componentType: 'datastore', observedValue: ms, observedUnit: 'ms', status: 'pass' };
          return c.body(
            JSON.stringify({
              status: 'pass',
              serviceId: 'telltale-edge',
              description: 'edge API can reach its store',
              checks: { [`${s.store.kind}:responseTime`]: [check] },
            }),
            200,
            { 'content-type': HEALTH_JSON },
          );
        } catch (err) {
          const output = `store (${s.store.kind}) unreachable: ${(err as Error).message}`;
          return c.body(
            JSON.stringify({
              status: 'fail',
              serviceId: 'telltale-edge',
              description: 'edge API can reach its store',
              output,
              checks: {
                [`${s.store.kind}:responseTime`]: [{ componentType: 'datastore', status: 'fail', output }],
              },
            }),
            503,
            { 'content-type': HEALTH_JSON },
          );
        }
      },
    );
}
