import { z } from 'zod';
import { ConfigError } from './config.ts';

/** How to reach a Redis Cluster: seed nodes (the client discovers the rest) and what every node shares. */
export interface RedisClusterSettings {
  nodes: { host: string; port: number }[];
  username?: string;
  password?: string;
  /** `rediss://` seeds: TLS to every node. */
  tls: boolean;
}

/** More seeds than this is a configuration mistake, not a cluster: the client only needs a few. */
export const MAX_CLUSTER_SEEDS = 64;

const HOST =
  /^(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,62})(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,62}))*|\[[0-9A-Fa-f:.]{2,45}\])$/;

interface Seed {
  host: string;
  port: number;
  /** Present for redis:// / rediss:// entries: the scheme and credentials they carry. */
  url?: { tls: boolean; username: string; password: string };
}

function seedOf(entry: string): Seed | null {
  if (/^rediss?:\/\//.test(entry)) {
    let url: URL;
    try {
      url = new URL(entry);
    } catch {
      return null;
    }
    const port = Number(url.port);
    if (!url.port || !HOST.test(url.hostname) || (url.pathname !== '' && url.pathname !== '/')) return null;
    if (url.search || url.hash) return null;
    return {
      host: url.hostname.replace(/^\[|\]$/g, ''),
      port,
      url: {
        tls: url.protocol === 'rediss:',
        username: decodeURIComponent(url.username),
        password: decodeURIComponent(url.password),
      },
    };
  }
  const at = entry.lastIndexOf(':');
  if (at <= 0) return null;
  const host = entry.slice(0, at);
  const port = entry.slice(at + 1);
  if (!HOST.test(host) || !/^\d{1,5}$/.test(port)) return null;
  return { host: host.replace(/^\[|\]$/g, ''), port: Number(port) };
}

/** An entry as it may be shown back to an operator: a URL's password is never echoed. */
function shown(entry: string): string {
  return entry.replace(/^(rediss?:\/\/[^:@/]*:)[^@/]*@/, '$1***@').slice(0, 120);
}

/**
 * `REDIS_CLUSTER_NODES`: comma-separated seeds, each `host:port` (`[::1]:7000` for IPv6) or a
 * `redis://` / `rediss://` URL with host and port. Credentials and TLS are written as in
 * `REDIS_URL`, on the URL entries: they must all agree, and bare `host:port` entries take them.
 */
export const RedisClusterNodes = z.string().transform((value, ctx): RedisClusterSettings => {
  const fail = (message: string) => {
    ctx.addIssue({ code: 'custom', message: `REDIS_CLUSTER_NODES ${message}` });
    return z.NEVER;
  };
  const entries = value
    .split(',')
    .map((part) => part.trim())
    .filter((part) => part !== '');
  if (entries.length === 0) return fail('needs at least one host:port seed');
  if (entries.length > MAX_CLUSTER_SEEDS)
    return fail(`lists ${entries.length} seeds; at most ${MAX_CLUSTER_SEEDS} (a few are enough)`);
  const seeds: Seed[] = [];
  for (const [i, entry] of entries.entries()) {
    const seed = seedOf(entry);
    if (!seed || seed.port < 1 || seed.port > 65_535) {
      return fail(
        `entry ${i + 1} is not host:port or a redis:// / rediss:// URL with a port: got '${shown(entry)}'`,
      );
    }
    seeds.push(seed);
  }
  const urls = seeds.flatMap((seed) => (seed.url ? [seed.url] : []));
  const [first] = urls;
  if (
    first &&
    urls.some(
      (url) => url.tls !== first.tls || url.username !== first.username || url.password !== first.password,
    )
  ) {
    return fail(
      'URL entries disagree on the scheme or credentials: every node of one cluster takes the same ones',
    );
  }
  return {
    nodes: seeds.map(({ host, port }) => ({ host, port })),
    ...(first?.username ? { username: first.username } : {}),
    ...(first?.password ? { password: first.password } : {}),
    tls: first?.tls ?? false,
  };
});

/** The env variable that selects a Redis Cluster; the node and the Node edge extend their config with it. */
export const RedisClusterConfig = { REDIS_CLUSTER_NODES: RedisClusterNodes.optional() };

/** Where the Redis store lives: one server (REDIS_URL), a Redis Cluster (REDIS_CLUSTER_NODES), or none. */
export type RedisTarget =
  | { kind: 'server'; url: string }
  | { kind: 'cluster'; cluster: RedisClusterSettings }
  | { kind: 'none' };

/** The Redis a parsed config points at; both variables set is refused rather than one silently winning. */
export function redisTargetOf(config: {
  REDIS_URL?: string | undefined;
  REDIS_CLUSTER_NODES?: RedisClusterSettings | undefined;
}): RedisTarget {
  if (config.REDIS_URL && config.REDIS_CLUSTER_NODES) {
    throw new ConfigError([
      'set either REDIS_URL (one Redis) or REDIS_CLUSTER_NODES (a Redis Cluster), not both',
    ]);
  }
  if (config.REDIS_CLUSTER_NODES) return { kind: 'cluster', cluster: config.REDIS_CLUSTER_NODES };
  if (config.REDIS_URL) return { kind: 'server', url: config.REDIS_URL };
  return { kind: 'none' };
}
