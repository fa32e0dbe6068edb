import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Redis } from 'ioredis';
import { freePort, waitForPort } from './redis.ts';

const run = promisify(execFile);

export interface RedisClusterProcess {
  /** The masters' ports, in the order they were started. */
  readonly ports: number[];
  /** `127.0.0.1:<port>,…`: what REDIS_CLUSTER_NODES takes. */
  readonly seeds: string;
  /** `redis-cli` against one master (`-c` is not passed: replies come back as the node gave them). */
  cli(port: number, ...args: string[]): Promise<string>;
  /** The port of the master that owns a hash slot. */
  ownerOf(slot: number): Promise<number>;
  /**
   * Moves one slot, with its keys, to another master the way `redis-cli --cluster reshard` does:
   * SETSLOT IMPORTING / MIGRATING, MIGRATE in batches, then SETSLOT NODE on both and the others.
   */
  moveSlot(slot: number, toPort: number): Promise<void>;
  stop(): Promise<void>;
}

/**
 * Starts a private 3-master Redis Cluster (no replicas) on free loopback ports, each node diskless
 * in its own temporary directory, and waits until every node reports `cluster_state:ok`.
 */
export async function startRedisCluster(masters = 3): Promise<RedisClusterProcess> {
  const dir = await mkdtemp(join(tmpdir(), 'telltale-cluster-'));
  const ports: number[] = [];
  const children: ChildProcess[] = [];
  const ids = new Map<number, string>();

  const cli = async (port: number, ...args: string[]): Promise<string> => {
    const { stdout } = await run('redis-cli', ['-h', '127.0.0.1', '-p', String(port), ...args]);
    return stdout.trim();
  };
  const nodeId = async (port: number): Promise<string> => {
    const known = ids.get(port);
    if (known) return known;
    const id = await cli(port, 'CLUSTER', 'MYID');
    ids.set(port, id);
    return id;
  };

  const stop = async (): Promise<void> => {
    await Promise.all(
      children.map(
        (child) =>
          new Promise<void>((resolve) => {
            if (child.exitCode !== null || child.signalCode !== null) return resolve();
            child.once('exit', () => resolve());
            child.kill('SIGKILL');
          }),
      ),
    );
    await rm(dir, { recursive: true, force: true });
  };

  try {
    for (let i = 0; i < masters; i++) {
      const port = await freePort();
      ports.push(port);
      const child = spawn(
        'redis-server',
        [
          '--port',
          String(port),
          '--bind',
          '127.0.0.1',
          '--cluster-enabled',
          'yes',
          '--cluster-config-file',
          `nodes-${port}.conf`,
          '--cluster-node-timeout',
          '2000',
          '--dir',
          dir,
          '--save',
          '',
          '--appendonly',
          'no',
          '--protected-mode',
          'no',
        ],
        { stdio: 'ignore' },
      );
      children.push(child);
    }
    await Promise.all(ports.map((port) => waitForPort(port, 5000)));
    await run('redis-cli', [
      '--cluster',
      'create',
      ...ports.map((port) => `127.0.0.1:${port}`),
      '--cluster-replicas',
      '0',
      '--cluster-yes',
    ]);
    const deadline = Date.now() + 15_000;
    for (const port of ports) {
      while (!(await cli(port, 'CLUSTER', 'INFO')).includes('cluster_state:ok')) {
        if (Date.now() > deadline) throw new Error(`cluster node ${port} did not reach cluster_state:ok`);
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    }
  } catch (error) {
    await stop();
    throw error;
  }

  const ownerOf = async (slot: number): Promise<number> => {
    const admin = new Redis(ports[0] as number, '127.0.0.1', { lazyConnect: true, maxRetriesPerRequest: 1 });
    try {
      const slots = await admin.cluster('SLOTS');
      const range = slots.find(([from, to]) => slot >= from && slot <= to);
      const master = range?.[2];
      if (!master) throw new Error(`no master owns slot ${slot}`);
      return master[1];
    } finally {
      admin.disconnect();
    }
  };

  return {
    ports,
    seeds: ports.map((port) => `127.0.0.1:${port}`).join(','),
    cli,
    ownerOf,
    async moveSlot(slot, toPort) {
      const fromPort = await ownerOf(slot);
      if (fromPort === toPort) throw new Error(`slot ${slot} is already on ${toPort}`);
      const [fromId, toId] = [await nodeId(fromPort), await nodeId(toPort)];
      await cli(toPort, 'CLUSTER', 'SETSLOT', String(slot), 'IMPORTING', fromId);
      await cli(fromPort, 'CLUSTER', 'SETSLOT', String(slot), 'MIGRATING', toId);
      for (;;) {
        const keys = (await cli(fromPort, 'CLUSTER', 'GETKEYSINSLOT', String(slot), '10'))
          .split('\n')
          .filter((key) => key !== '');
        if (keys.length === 0) break;
        await cli(fromPort, 'MIGRATE', '127.0.0.1', String(toPort), '', '0', '5000', 'KEYS', ...keys);
      }
      // Target first, then source, then the rest: the order redis-cli uses, so no node redirects in a loop.
      await cli(toPort, 'CLUSTER', 'SETSLOT', String(slot), 'NODE', toId);
      await cli(fromPort, 'CLUSTER', 'SETSLOT', String(slot), 'NODE', toId);
      for (const port of ports) {
        if (port !== toPort && port !== fromPort)
          await cli(port, 'CLUSTER', 'SETSLOT', String(slot), 'NODE', toId);
      }
    },
    stop,
  };
}
