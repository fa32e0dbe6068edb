import { describe, expect, it } from 'vitest';
import {
  EdgeConfig as BaseEdgeConfig,
  SocketNodeConfig as BaseNodeConfig,
  ConfigError,
  parseConfig,
} from './config.ts';
import { RedisClusterConfig, redisTargetOf } from './redis-cluster.ts';

const SocketNodeConfig = BaseNodeConfig.extend(RedisClusterConfig);
const EdgeConfig = BaseEdgeConfig.extend(RedisClusterConfig);

const problems = (env: Record<string, string>): string[] => {
  try {
    parseConfig(SocketNodeConfig, env);
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  return [];
};

describe('REDIS_CLUSTER_NODES', () => {
  it('takes host:port seeds, IPv6 in brackets, with no credentials and no TLS', () => {
    const config = parseConfig(EdgeConfig, {
      REDIS_CLUSTER_NODES: ' 10.0.0.1:7000, redis-b.internal:7001 ,[::1]:7002,',
    });
    expect(config.REDIS_CLUSTER_NODES).toEqual({
      nodes: [
        { host: '10.0.0.1', port: 7000 },
        { host: 'redis-b.internal', port: 7001 },
        { host: '::1', port: 7002 },
      ],
      tls: false,
    });
    expect(redisTargetOf(config)).toEqual({ kind: 'cluster', cluster: config.REDIS_CLUSTER_NODES });
  });

  it('takes credentials and TLS from URL entries, as REDIS_URL does, and lends them to bare seeds', () => {
    const config = parseConfig(SocketNodeConfig, {
      REDIS_CLUSTER_NODES: 'rediss://app:p%40ss@10.0.0.1:6379,10.0.0.2:6379',
    });
    expect(config.REDIS_CLUSTER_NODES).toEqual({
      nodes: [
        { host: '10.0.0.1', port: 6379 },
        { host: '10.0.0.2', port: 6379 },
      ],
      username: 'app',
      password: 'p@ss',
      tls: true,
    });
  });

  it('names the variable and the entry for a bad seed, never echoing a password', () => {
    expect(problems({ REDIS_CLUSTER_NODES: '10.0.0.1:7000,localhost' })).toEqual([
      "REDIS_CLUSTER_NODES entry 2 is not host:port or a redis:// / rediss:// URL with a port: got 'localhost'",
    ]);
    expect(problems({ REDIS_CLUSTER_NODES: '10.0.0.1:70000' })).toEqual([
      "REDIS_CLUSTER_NODES entry 1 is not host:port or a redis:// / rediss:// URL with a port: got '10.0.0.1:70000'",
    ]);
    expect(problems({ REDIS_CLUSTER_NODES: 'redis://u:secret@10.0.0.1/0' })).toEqual([
      "REDIS_CLUSTER_NODES entry 1 is not host:port or a redis:// / rediss:// URL with a port: got 'redis://u:***@10.0.0.1/0'",
    ]);
    expect(problems({ REDIS_CLUSTER_NODES: ' , ' })).toEqual([
      'REDIS_CLUSTER_NODES needs at least one host:port seed',
    ]);
  });

  it('refuses URL entries that disagree on scheme or credentials, and more than 64 seeds', () => {
    expect(problems({ REDIS_CLUSTER_NODES: 'rediss://a:x@h1:1,redis://a:x@h2:2' })).toEqual([
      'REDIS_CLUSTER_NODES URL entries disagree on the scheme or credentials: every node of one cluster takes the same ones',
    ]);
    const many = Array.from({ length: 65 }, (_, i) => `10.0.0.${i}:7000`).join(',');
    expect(problems({ REDIS_CLUSTER_NODES: many })).toEqual([
      'REDIS_CLUSTER_NODES lists 65 seeds; at most 64 (a few are enough)',
    ]);
  });

  it('is refused together with REDIS_URL: one of them must say where the store is', () => {
    const config = parseConfig(EdgeConfig, {
      REDIS_URL: 'redis://127.0.0.1:6379',
      REDIS_CLUSTER_NODES: '127.0.0.1:7000',
    });
    expect(() => redisTargetOf(config)).toThrow(
      'set either REDIS_URL (one Redis) or REDIS_CLUSTER_NODES (a Redis Cluster), not both',
    );
    expect(redisTargetOf(parseConfig(EdgeConfig, { REDIS_URL: 'redis://h:1' }))).toEqual({
      kind: 'server',
      url: 'redis://h:1',
    });
    expect(redisTargetOf(parseConfig(EdgeConfig, {}))).toEqual({ kind: 'none' });
  });
});
