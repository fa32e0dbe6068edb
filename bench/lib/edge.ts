import { EdgeConfig, parseConfig, type TelltaleStore } from '@telltale/shared';
import { type RunningEdge, startEdgeServer } from '../../edge-api/src/node/server.ts';

export const BENCH_ADMIN_TOKEN = 'bench-admin-token-0123456789';

/**
 * The edge's Node entry (`startEdgeServer`: in-process aggregator + Hono on @hono/node-server) on
 * a free loopback port. Background ticks are pushed out to 10 minutes so only the requests the
 * bench makes touch the store.
 */
export async function startBenchEdge(
  store: TelltaleStore,
  env: Record<string, string> = {},
): Promise<RunningEdge> {
  const config = parseConfig(EdgeConfig, {
    PORT: '0',
    CLUSTER_ID: 'bench',
    ADMIN_TOKEN: BENCH_ADMIN_TOKEN,
    TICK_INTERVAL_MS: '600000',
    EXPECTED_NODES: '1',
    ...env,
  });
  return startEdgeServer({
    config,
    store,
    logger: {
      warn: (m) => console.warn(`[bench edge] ${m}`),
      error: (m) => console.error(`[bench edge] ${m}`),
    },
  });
}

export const adminHeaders = { authorization: `Bearer ${BENCH_ADMIN_TOKEN}` };
