import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { clusterKeys, type TelltaleStore } from '@telltale/shared';
import { createIoredisStore } from '@telltale/shared/store/ioredis';
import { Redis } from 'ioredis';
import { io } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, type RedisProcess, startRedis } from '../../../test/support/redis.ts';
import { eventually, TEST_SECRET, token } from '../support/clients.ts';

const CLUSTER = 'shutdown';
const MAIN = fileURLToPath(new URL('../../src/main.ts', import.meta.url));
const ROOT = fileURLToPath(new URL('../../..', import.meta.url));

let redis: RedisProcess;
let edge: TelltaleStore;
let child: ChildProcess | null = null;

beforeAll(async () => {
  redis = await startRedis();
  edge = createIoredisStore(redis.url);
});

afterAll(async () => {
  if (child && child.exitCode === null) child.kill('SIGKILL');
  await edge?.close();
  await redis?.stop();
});

describe('a node process receiving SIGTERM', () => {
  it('goes unready, flushes, leaves the cluster, cuts clients so they reconnect, and exits in time', async () => {
    const port = await freePort();
    const output: string[] = [];
    child = spawn(process.execPath, ['--conditions=@telltale/source', '--import', 'tsx', MAIN], {
      cwd: ROOT,
      env: {
        ...process.env,
        PORT: String(port),
        NODE_ID: 'child-1',
        CLUSTER_ID: CLUSTER,
        REDIS_URL: redis.url,
        JWT_SECRET: TEST_SECRET,
        FLUSH_INTERVAL_MS: '300',
        SHUTDOWN_TIMEOUT_MS: '3000',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout?.on('data', (chunk: Buffer) => output.push(chunk.toString()));
    child.stderr?.on('data', (chunk: Buffer) => output.push(chunk.toString()));
    const exited = new Promise<number | null>((resolve) => child?.once('exit', (code) => resolve(code)));

    const url = `http://127.0.0.1:${port}`;
    await eventually(async () => (await fetch(`${url}/health`)).status === 200, 15_000, 'node ready');
    const client = io(`${url}/hub`, {
      transports: ['websocket'],
      auth: { token: await token({ sub: 'a1', role: 'attendant' }) },
      reconnectionDelay: 100,
      reconnectionDelayMax: 200,
    });
    await new Promise<void>((resolve) => client.once('connect', () => resolve()));
    await eventually(
      async () => (await edge.forCluster(CLUSTER).readNodes()).some((n) => n.nodeId === 'child-1' && n.raw),
      3000,
    );

    const reason = new Promise<string>((resolve) => client.once('disconnect', (why) => resolve(why)));
    const reconnecting = new Promise<void>((resolve) => client.io.once('reconnect_attempt', () => resolve()));
    const signalledAt = Date.now();
    child.kill('SIGTERM');

    expect(await exited).toBe(0);
    expect(Date.now() - signalledAt).toBeLessThan(4000);
    const why = await reason;
    expect(why).not.toBe('io server disconnect');
    expect(['transport close', 'transport error']).toContain(why);
    await reconnecting;
    client.close();

    // It left: no live snapshot or sockets any more, only its farewell (its final counters) for
    // an edge to read once before it removes the node from the set.
    const left = (await edge.forCluster(CLUSTER).readNodes()).find((n) => n.nodeId === 'child-1');
    expect(left?.raw).toBeNull();
    expect(JSON.parse(left?.farewell ?? 'null')).toMatchObject({
      node: { id: 'child-1', mode: 'draining' },
      counters: { connects: 1 },
    });
    const keys = clusterKeys(CLUSTER);
    const raw = new Redis(redis.url);
    expect(await raw.exists(keys.node('child-1'), keys.nodeSockets('child-1'))).toBe(0);
    expect(await raw.pttl(keys.nodeFarewell('child-1'))).toBeGreaterThan(0);
    raw.disconnect();
    expect(output.join('')).toContain('SIGTERM: draining node child-1');
  }, 30_000);

  it('refuses to start on a bad configuration, naming every bad value', async () => {
    const proc = spawn(process.execPath, ['--conditions=@telltale/source', '--import', 'tsx', MAIN], {
      cwd: ROOT,
      env: { ...process.env, PORT: 'eighty', REDIS_URL: 'localhost:6379', FLUSH_INTERVAL_MS: '5' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    proc.stderr?.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    const code = await new Promise<number | null>((resolve) => proc.once('exit', (c) => resolve(c)));
    expect(code).toBe(1);
    expect(stderr).toContain("PORT must be an integer between 0 and 65535: got 'eighty'");
    expect(stderr).toContain("REDIS_URL is not a valid redis:// or rediss:// URL: got 'localhost:6379'");
    expect(stderr).toContain('FLUSH_INTERVAL_MS must be an integer between 100 and 600000');
  }, 20_000);
});
