import { ConfigError } from '@telltale/shared';
import { describe, expect, it } from 'vitest';
import { defaultNodeId, settingsFromEnv } from './config.ts';

describe('settingsFromEnv', () => {
  it('applies the documented defaults to an empty environment', () => {
    const settings = settingsFromEnv({});
    expect(settings.port).toBe(8001);
    expect(settings.cluster).toBe('default');
    expect(settings.flushIntervalMs).toBe(5000);
    expect(settings.nodeId).toBe(defaultNodeId());
    expect(settings.nodeId).toMatch(/-\d+$/);
    expect(settings.redisUrl).toBeUndefined();
    expect(settings.jwt).toBeNull();
  });

  it('reads every variable', () => {
    const settings = settingsFromEnv({
      PORT: '9001',
      NODE_ID: 'node-a',
      CLUSTER_ID: 'prod',
      REDIS_URL: 'redis://127.0.0.1:7000',
      FLUSH_INTERVAL_MS: '1000',
      SHUTDOWN_TIMEOUT_MS: '3000',
      JWT_SECRET: 'a-secret-of-32-characters-or-so!',
    });
    expect(settings).toMatchObject({
      port: 9001,
      nodeId: 'node-a',
      cluster: 'prod',
      redisUrl: 'redis://127.0.0.1:7000',
      flushIntervalMs: 1000,
      shutdownTimeoutMs: 3000,
      jwt: { kind: 'secret', secret: 'a-secret-of-32-characters-or-so!' },
    });
  });

  it('reads REDIS_CLUSTER_NODES as the seeds of a Redis Cluster, refusing it beside REDIS_URL', () => {
    expect(settingsFromEnv({ REDIS_CLUSTER_NODES: '10.0.0.1:7000,10.0.0.2:7000' })).toMatchObject({
      redisCluster: {
        nodes: [
          { host: '10.0.0.1', port: 7000 },
          { host: '10.0.0.2', port: 7000 },
        ],
        tls: false,
      },
    });
    expect(settingsFromEnv({ REDIS_CLUSTER_NODES: '10.0.0.1:7000' }).redisUrl).toBeUndefined();
    expect(() =>
      settingsFromEnv({ REDIS_URL: 'redis://10.0.0.1:6379', REDIS_CLUSTER_NODES: '10.0.0.1:7000' }),
    ).toThrow('set either REDIS_URL (one Redis) or REDIS_CLUSTER_NODES (a Redis Cluster), not both');
    expect(() => settingsFromEnv({ REDIS_CLUSTER_NODES: 'localhost' })).toThrow(
      "REDIS_CLUSTER_NODES entry 1 is not host:port or a redis:// / rediss:// URL with a port: got 'localhost'",
    );
  });

  it('reads the command signing key and clock-skew allowance, refusing a short key', () => {
    expect(settingsFromEnv({})).toMatchObject({ commandClockSkewMs: 1000 });
    expect(settingsFromEnv({}).commandSigningKey).toBeUndefined();
    expect(
      settingsFromEnv({ COMMAND_SIGNING_KEY: 'k'.repeat(32), COMMAND_CLOCK_SKEW_MS: '250' }),
    ).toMatchObject({ commandSigningKey: 'k'.repeat(32), commandClockSkewMs: 250 });
    expect(() => settingsFromEnv({ COMMAND_SIGNING_KEY: 'k'.repeat(31) })).toThrow(
      'COMMAND_SIGNING_KEY must be at least 32 characters long',
    );
  });

  it('reads TRUSTED_PROXIES as IP addresses, refusing anything else by name', () => {
    expect(settingsFromEnv({}).trustedProxies).toBeUndefined();
    expect(settingsFromEnv({ TRUSTED_PROXIES: '10.0.0.2, ::1' }).trustedProxies).toEqual(['10.0.0.2', '::1']);
    expect(() => settingsFromEnv({ TRUSTED_PROXIES: '10.0.0.0/8' })).toThrow(
      "TRUSTED_PROXIES must be comma-separated IP addresses: got '10.0.0.0/8'",
    );
  });

  it('takes a JWKS url instead of a secret', () => {
    expect(settingsFromEnv({ JWT_JWKS_URL: 'https://id.example.com/jwks.json' }).jwt).toEqual({
      kind: 'jwks',
      url: 'https://id.example.com/jwks.json',
    });
  });

  it('names every bad value at once', () => {
    try {
      settingsFromEnv({ PORT: 'eighty', REDIS_URL: 'localhost', NODE_ID: 'a b' });
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(ConfigError);
      const message = (error as ConfigError).message;
      expect(message).toContain("PORT must be an integer between 0 and 65535: got 'eighty'");
      expect(message).toContain("REDIS_URL is not a valid redis:// or rediss:// URL: got 'localhost'");
      expect(message).toContain('NODE_ID');
    }
  });

  it('refuses both a secret and a JWKS url', () => {
    expect(() =>
      settingsFromEnv({ JWT_SECRET: 'x'.repeat(32), JWT_JWKS_URL: 'https://id.example.com/jwks.json' }),
    ).toThrow(/either JWT_SECRET or JWT_JWKS_URL/);
  });
});
