import { ConfigError, parseConfig, SocketNodeConfig } from '@telltale/shared';
import { RedisClusterConfig, type RedisClusterSettings, redisTargetOf } from '@telltale/shared/store/ioredis';
import { defaultNodeId } from './instrument/options.ts';

export { defaultNodeId };

/** How handshake tokens are verified: a shared HS256 secret, or a JWKS endpoint (RS256 / ES256). */
export type JwtSettings = { kind: 'secret'; secret: string } | { kind: 'jwks'; url: string };

/** Presence timings of the reference app (heartbeat, grace, record TTL); tests shrink them. */
export interface PresenceTimings {
  /** Clients are expected to send `heartbeat` this often; 2 missed intervals make a client stale. */
  heartbeatMs: number;
  /** After the last socket of a user goes, wait this long for a reconnect before announcing offline. */
  graceMs: number;
  /** TTL of a node's share of a user's presence in the store. */
  ttlMs: number;
}

export const DEFAULT_PRESENCE: PresenceTimings = { heartbeatMs: 30_000, graceMs: 60_000, ttlMs: 300_000 };

export interface SocketNodeSettings {
  /** 0 picks a free port. */
  port: number;
  /** Interface to listen on; Node's default (every interface) when unset. */
  host?: string;
  nodeId: string;
  cluster: string;
  redisUrl?: string;
  /** REDIS_CLUSTER_NODES: a Redis Cluster instead of one Redis (never both). */
  redisCluster?: RedisClusterSettings;
  flushIntervalMs: number;
  shutdownTimeoutMs: number;
  /** Null: no key configured, so every handshake is refused with a message saying so. */
  jwt: JwtSettings | null;
  presence: PresenceTimings;
  version: string;
  /** COMMAND_SIGNING_KEY: set, only commands the edge signed with it run. */
  commandSigningKey?: string;
  /** COMMAND_CLOCK_SKEW_MS: how far the edge's clock may be off this node's (default 1000). */
  commandClockSkewMs?: number;
  /** TRUSTED_PROXIES: peers whose X-Forwarded-For gives a socket's client address (socket detail). */
  trustedProxies?: string[];
}

/** Reads the node's environment variables (README, "Configuration"); throws ConfigError listing every bad value. */
export function settingsFromEnv(env: Record<string, string | undefined>): SocketNodeSettings {
  const config = parseConfig(SocketNodeConfig.extend(RedisClusterConfig), env);
  const redis = redisTargetOf(config);
  if (config.JWT_SECRET && config.JWT_JWKS_URL) {
    throw new ConfigError([
      'set either JWT_SECRET or JWT_JWKS_URL, not both: the token algorithm is pinned to one',
    ]);
  }
  const jwt: JwtSettings | null = config.JWT_SECRET
    ? { kind: 'secret', secret: config.JWT_SECRET }
    : config.JWT_JWKS_URL
      ? { kind: 'jwks', url: config.JWT_JWKS_URL }
      : null;
  return {
    port: config.PORT,
    nodeId: config.NODE_ID ?? defaultNodeId(),
    cluster: config.CLUSTER_ID,
    ...(redis.kind === 'server' ? { redisUrl: redis.url } : {}),
    ...(redis.kind === 'cluster' ? { redisCluster: redis.cluster } : {}),
    flushIntervalMs: config.FLUSH_INTERVAL_MS,
    shutdownTimeoutMs: config.SHUTDOWN_TIMEOUT_MS,
    jwt,
    presence: DEFAULT_PRESENCE,
    version: env.npm_package_version ?? '0.1.0',
    ...(config.COMMAND_SIGNING_KEY ? { commandSigningKey: config.COMMAND_SIGNING_KEY } : {}),
    commandClockSkewMs: config.COMMAND_CLOCK_SKEW_MS,
    ...(config.TRUSTED_PROXIES ? { trustedProxies: config.TRUSTED_PROXIES } : {}),
  };
}

/** `<host>-<pid>`, cleaned to the characters a node id may hold. */
