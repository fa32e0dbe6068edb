import { ConfigError, EdgeConfig, parseConfig } from '@telltale/shared';
import { RedisClusterConfig, redisTargetOf } from '@telltale/shared/store/ioredis';
import type { z } from 'zod';

/** The edge's env on Node: the shared edge config plus REDIS_CLUSTER_NODES (a Redis Cluster store). */
export const NodeEdgeConfig = EdgeConfig.extend(RedisClusterConfig);
export type NodeEdgeConfig = z.infer<typeof NodeEdgeConfig>;

/** Parses the edge's env; on a bad value prints every problem and exits 1, as an operator expects. */
export function edgeConfigOrExit(env: Record<string, string | undefined>): NodeEdgeConfig {
  try {
    const config = parseConfig(NodeEdgeConfig, env);
    redisTargetOf(config);
    return config;
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    console.error(`telltale edge: ${err.message}`);
    process.exit(1);
  }
}
