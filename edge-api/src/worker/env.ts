import {
  ConfigError,
  EdgeConfig,
  type EdgeStore,
  parseConfig,
  type TelltaleStore,
  timings,
} from '@telltale/shared';
import { createUpstashStore, UPSTASH_CLIENT_SETTINGS } from '@telltale/shared/store/upstash';
import { type TapSource, tapStoreOf } from '@telltale/shared/tap';
import { Redis } from '@upstash/redis/cloudflare';
import type { ClusterAggregatorObject } from './aggregator-object.ts';

/**
 * The Worker's bindings: `[vars]` and secrets from wrangler.toml, plus the aggregator namespace.
 * Every string binding is EdgeConfig, e.g. the COMMAND_SIGNING_KEY secret the Worker signs commands with.
 */
export interface WorkerEnv {
  AGGREGATOR: DurableObjectNamespace<ClusterAggregatorObject>;
  [name: string]: unknown;
}

/** The Worker's EdgeConfig with the Upstash credentials it cannot run without. */
export type WorkerConfig = EdgeConfig & { UPSTASH_REDIS_REST_URL: string; UPSTASH_REDIS_REST_TOKEN: string };

/** Validates the string bindings with the same schema the Node entry uses; bindings that are objects are not config. */
export function workerConfig(env: WorkerEnv): WorkerConfig {
  const strings: Record<string, string> = {};
  for (const [name, value] of Object.entries(env)) if (typeof value === 'string') strings[name] = value;
  const config = parseConfig(EdgeConfig, strings);
  const { UPSTASH_REDIS_REST_URL: url, UPSTASH_REDIS_REST_TOKEN: token } = config;
  if (!url || !token) {
    throw new ConfigError([
      'UPSTASH_REDIS_REST_URL and UPSTASH_REDIS_REST_TOKEN are required on Workers: ' +
        '`wrangler secret put UPSTASH_REDIS_REST_URL` (and _TOKEN), or put them in .dev.vars for wrangler dev',
    ]);
  }
  return { ...config, UPSTASH_REDIS_REST_URL: url, UPSTASH_REDIS_REST_TOKEN: token };
}

/** The store over Upstash REST (HTTP only, so it runs in workerd); the Worker and the object each build one. */
export function upstashStore(config: WorkerConfig): EdgeStore {
  return upstashConnection(config).forCluster(config.CLUSTER_ID);
}

/** The cluster's taps over Upstash REST: the Worker reads what the nodes append. */
export function upstashTaps(config: WorkerConfig): TapSource {
  return tapStoreOf(upstashConnection(config), config.CLUSTER_ID);
}

function upstashConnection(config: WorkerConfig): TelltaleStore {
  return createUpstashStore(
    new Redis({
      url: config.UPSTASH_REDIS_REST_URL,
      token: config.UPSTASH_REDIS_REST_TOKEN,
      ...UPSTASH_CLIENT_SETTINGS,
    }),
    // Acks are polled here, each poll a subrequest: a wait polls at most this often, whatever COMMAND_TIMEOUT_MS.
    { maxAckPolls: timings.workerAckPolls },
  );
}
