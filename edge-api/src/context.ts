import type { EdgeConfig, EdgeStore } from '@telltale/shared';
import type { TapSource } from '@telltale/shared/tap';
import type { Context, Hono, MiddlewareHandler } from 'hono';
import type { AggregatorClient } from './aggregator/client.ts';
import type { Authenticator } from './auth/index.ts';
import type { AuthVariables } from './auth/middleware.ts';
import type { ClientAddress, TokenBucketOptions } from './rate-limit/index.ts';

export type EdgeEnv = { Variables: AuthVariables };

export interface AppDeps {
  config: EdgeConfig;
  /** Bound to `config.CLUSTER_ID`. */
  store: EdgeStore;
  aggregator: AggregatorClient;
  /** Upgrades `/admin/ws` to a WebSocket; runtime specific (node-ws on Node, a DO on Workers). */
  liveFeed?: (c: Context) => Response | Promise<Response>;
  /** The dashboard, mounted at /system/health/realtime. */
  dashboard?: Hono;
  now?: () => number;
  /** Admin mutations per actor; default a burst of 20, then 5 per second. */
  adminRateLimit?: TokenBucketOptions;
  /** Admin mutations per client address, behind the actor's; default a burst of 40, then 10 per second. */
  clientRateLimit?: TokenBucketOptions;
  /**
   * The client's address for that bucket; runtime specific (the socket's peer on Node,
   * CF-Connecting-IP on Workers). Forwarding headers are client-chosen, so never read by default.
   */
  clientAddress?: ClientAddress;
  /** Largest accepted request body; default 64 KiB. */
  maxBodyBytes?: number;
  /** The cluster's taps (`tapStoreOf(store, cluster)`); without it the tap routes answer 501. */
  taps?: TapSource;
}

/** What every route module gets: the deps plus the auth and rate-limit middleware built once. */
export interface EdgeServices {
  config: EdgeConfig;
  store: EdgeStore;
  aggregator: AggregatorClient;
  auth: Authenticator;
  now: () => number;
  /** Requires an admin bearer token or admin JWT. */
  admin: MiddlewareHandler<EdgeEnv>;
  /** Per-actor, then per-client-address token buckets for admin mutations; goes after `admin`. */
  limit: MiddlewareHandler<EdgeEnv>;
  liveFeed?: (c: Context) => Response | Promise<Response>;
  taps?: TapSource;
}
