import { afterEach, describe, expect, it, vi } from 'vitest';
import { edgeConfigOrExit } from './config.ts';

class Exited extends Error {}

describe('edgeConfigOrExit on REDIS_CLUSTER_NODES', () => {
  afterEach(() => {
    vi.restoreAllMocks();
  });

  const exitWith = (env: Record<string, string>) => {
    const errors: string[] = [];
    vi.spyOn(console, 'error').mockImplementation((line: string) => errors.push(line));
    vi.spyOn(process, 'exit').mockImplementation((code) => {
      throw new Exited(`exit ${code}`);
    });
    expect(() => edgeConfigOrExit(env)).toThrow('exit 1');
    return errors.join('\n');
  };

  it('reads the seeds of a Redis Cluster', () => {
    expect(edgeConfigOrExit({ REDIS_CLUSTER_NODES: '10.0.0.1:7000' }).REDIS_CLUSTER_NODES).toEqual({
      nodes: [{ host: '10.0.0.1', port: 7000 }],
      tls: false,
    });
  });

  it('stops at start with a line naming the variable for a bad seed, or for both Redis variables', () => {
    expect(exitWith({ REDIS_CLUSTER_NODES: '10.0.0.1' })).toContain(
      "REDIS_CLUSTER_NODES entry 1 is not host:port or a redis:// / rediss:// URL with a port: got '10.0.0.1'",
    );
    expect(exitWith({ REDIS_URL: 'redis://10.0.0.1:6379', REDIS_CLUSTER_NODES: '10.0.0.1:7000' })).toContain(
      'set either REDIS_URL (one Redis) or REDIS_CLUSTER_NODES (a Redis Cluster), not both',
    );
  });
});
