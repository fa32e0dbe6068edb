import type { IncomingMessage, ServerResponse } from 'node:http';
import {
  type ClusterView,
  JSON_CONTENT_TYPE,
  METRICS_FORMATS,
  mergeSnapshots,
  metricsContentType,
  negotiateMetricsFormat,
  RateBaseline,
  renderOpenMetrics,
  renderPrometheus,
} from '@telltale/shared';
import type { Instrumentation } from '../instrument/instrumentation.ts';

/** `/health` words for each reason a node is not ready. */
const HEALTH_STATUS: Record<string, string> = {
  starting: 'starting',
  maintenance: 'maintenance',
  draining: 'shutting-down',
  running: 'degraded',
};

/**
 * Node-local HTTP on the Socket.IO port: probes for the load balancer and Kubernetes,
 * and `/metrics` for this node alone, rendered by the same shared code as the cluster's.
 */
export function createHttpHandler(instrumentation: Instrumentation) {
  const history = new RateBaseline();
  const nodeView = (): ClusterView => {
    const snapshot = instrumentation.snapshot();
    const now = snapshot.node.flushedAt;
    const record = { nodeId: instrumentation.nodeId, lastFlushAt: now, raw: JSON.stringify(snapshot) };
    const view = mergeSnapshots([record], now, {
      cluster: instrumentation.cluster,
      intervalMs: instrumentation.intervalMs,
    });
    return history.rateAndKeep(view);
  };

  return (req: IncomingMessage, res: ServerResponse): void => {
    const url = new URL(req.url ?? '/', 'http://node.local');
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      send(res, 405, { error: `${req.method} is not allowed here; use GET` }, { allow: 'GET, HEAD' });
      return;
    }
    switch (url.pathname) {
      case '/health': {
        const { ready, mode, reason } = instrumentation.readiness();
        if (ready) send(res, 200, { status: 'healthy' });
        else send(res, 503, { status: HEALTH_STATUS[mode] ?? 'unhealthy', reason });
        return;
      }
      case '/health/live':
        send(res, 200, { status: 'alive' });
        return;
      case '/health/ready': {
        const { ready, reason } = instrumentation.readiness();
        send(res, ready ? 200 : 503, ready ? { ready } : { ready, reason });
        return;
      }
      case '/metrics': {
        const param = url.searchParams.get('format');
        if (param !== null && !(METRICS_FORMATS as readonly string[]).includes(param)) {
          send(res, 400, { error: `format must be one of ${METRICS_FORMATS.join(', ')}: got '${param}'` });
          return;
        }
        const format = negotiateMetricsFormat(req.headers.accept ?? null, param);
        const view = nodeView();
        if (format === 'json') send(res, 200, view);
        else {
          // `telltale_local_*`: a node's own series never sum together with the edge's cluster series.
          const render = format === 'prometheus' ? renderPrometheus : renderOpenMetrics;
          const body = render(view, { scope: 'node' });
          res.writeHead(200, { 'content-type': metricsContentType(format), 'cache-control': 'no-store' });
          res.end(req.method === 'HEAD' ? undefined : body);
        }
        return;
      }
      default:
        send(res, 404, {
          error: `no route ${url.pathname}; try /health, /health/live, /health/ready or /metrics`,
        });
    }
  };
}

function send(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  res.writeHead(status, { 'content-type': JSON_CONTENT_TYPE, 'cache-control': 'no-store', ...headers });
  res.end(res.req.method === 'HEAD' ? undefined : JSON.stringify(body));
}
