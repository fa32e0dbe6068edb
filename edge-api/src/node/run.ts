import type { EdgeConfig, TelltaleStore } from '@telltale/shared';
import { DASHBOARD_PATH } from '../app.ts';
import { dashboardRoutes } from '../dashboard/index.ts';
import { type RunningEdge, startEdgeServer } from './server.ts';

/** Starts the edge on PORT (all interfaces unless HOST is set), prints where it is, stops on signals. */
export async function runEdge(
  config: EdgeConfig,
  store: TelltaleStore,
  options: { onStop?: () => Promise<void> } = {},
): Promise<RunningEdge> {
  const edge = await startEdgeServer({
    config,
    store,
    hostname: process.env.HOST ?? '0.0.0.0',
    dashboard: dashboardRoutes(),
  });
  console.log(`telltale edge API on ${edge.url} (cluster '${config.CLUSTER_ID}', store: ${store.kind})`);
  console.log(`  health     ${edge.url}/health`);
  console.log(`  metrics    ${edge.url}/metrics`);
  console.log(`  dashboard  ${edge.url}${DASHBOARD_PATH}`);
  if (!config.ADMIN_TOKEN && !config.JWT_SECRET && !config.JWT_JWKS_URL) {
    console.warn('  admin routes are disabled: set ADMIN_TOKEN, JWT_SECRET or JWT_JWKS_URL');
  }

  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    console.log(`telltale edge: ${signal}, shutting down`);
    const force = setTimeout(() => process.exit(1), 15_000);
    force.unref();
    await options.onStop?.();
    await edge.close();
    await store.close();
    process.exit(0);
  };
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  process.on('SIGINT', () => void shutdown('SIGINT'));
  return edge;
}
