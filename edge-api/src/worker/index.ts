import { ConfigError } from '@telltale/shared';
import type { Hono } from 'hono';
import type { AggregatorClient } from '../aggregator/client.ts';
import { createApp } from '../app.ts';
import type { EdgeEnv } from '../context.ts';
import { dashboardRoutes } from '../dashboard/index.ts';
import { PROBLEM_CONTENT_TYPE } from '../problem/index.ts';
import { type ClusterAggregatorObject, FEED_PATHS } from './aggregator-object.ts';
import { upstashStore, upstashTaps, type WorkerEnv, workerConfig } from './env.ts';

export { ClusterAggregatorObject } from './aggregator-object.ts';

/** The object's own routes need an absolute URL; the host is never resolved. */
const objectUrl = (path: string) => `https://aggregator.internal${path}`;

type ObjectStub = DurableObjectStub<ClusterAggregatorObject>;

/**
 * The AggregatorClient over the cluster's Durable Object: RPC for answers, fetch for streams.
 * A stub is an I/O object bound to the request that made it, so every call takes a new one.
 */
function objectClient(stub: () => ObjectStub): AggregatorClient {
  return {
    latest: (options) => stub().latest(options),
    history: (query) => stub().history(query),
    alerts: () => stub().alerts(),
    setRules: (rules) => stub().setRules(rules),
    silences: () => stub().silences(),
    createSilence: (request, author) => stub().createSilence(request, author),
    expireSilence: (id, author) => stub().expireSilence(id, author),
    slo: () => stub().slo(),
    statusReport: () => stub().statusReport(),
    incidents: (limit) => stub().incidents(limit),
    announceIncident: (input, by) => stub().announceIncident(input, by),
    updateIncident: (id, input, by) => stub().updateIncident(id, input, by),
    maintenanceWindows: () => stub().maintenanceWindows(),
    addMaintenanceWindow: (input, by) => stub().addMaintenanceWindow(input, by),
    removeMaintenanceWindow: (id) => stub().removeMaintenanceWindow(id),
    async eventStream(signal) {
      const response = await stub().fetch(objectUrl(FEED_PATHS.events), { signal });
      if (!response.body) throw new Error(`aggregator event stream failed with status ${response.status}`);
      return response.body;
    },
  };
}

/** Built once per isolate (env is the same object for every request); it holds no I/O objects. */
const apps = new WeakMap<WorkerEnv, Hono<EdgeEnv>>();

function appFor(env: WorkerEnv): Hono<EdgeEnv> {
  let app = apps.get(env);
  if (app) return app;
  const config = workerConfig(env);
  const id = env.AGGREGATOR.idFromName(config.CLUSTER_ID);
  const stub = () => env.AGGREGATOR.get(id);
  app = createApp({
    config,
    store: upstashStore(config),
    taps: upstashTaps(config),
    aggregator: objectClient(stub),
    dashboard: dashboardRoutes(),
    // Set by Cloudflare's edge itself; a client's own X-Forwarded-For never gets a say.
    clientAddress: (c) => c.req.header('cf-connecting-ip'),
    // The upgrade request (already authorized by the app) goes to the object, which accepts the socket.
    liveFeed: (c) => stub().fetch(new Request(objectUrl(FEED_PATHS.webSocket), c.req.raw)),
  });
  apps.set(env, app);
  return app;
}

/** Bad vars or missing secrets: every request says which, instead of an opaque 500. */
function misconfigured(request: Request, error: ConfigError): Response {
  console.error(`[edge] ${error.message}`);
  const body = {
    type: 'urn:telltale:problem:misconfigured',
    title: 'Worker misconfigured',
    status: 503,
    detail: error.problems.join('; '),
    instance: new URL(request.url).pathname,
  };
  return new Response(JSON.stringify(body), {
    status: 503,
    headers: { 'content-type': PROBLEM_CONTENT_TYPE },
  });
}

export default {
  fetch(request, env, ctx) {
    let app: Hono<EdgeEnv>;
    try {
      app = appFor(env);
    } catch (error) {
      if (error instanceof ConfigError) return misconfigured(request, error);
      throw error;
    }
    return app.fetch(request, env, ctx);
  },
} satisfies ExportedHandler<WorkerEnv>;
