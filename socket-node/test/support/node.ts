import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { freePort } from '../../../test/support/redis.ts';
import type { SocketNodeSettings } from '../../src/config.ts';
import { eventually, TEST_SECRET } from './clients.ts';

let counter = 0;

/** Settings for a node in a test: free port, loopback, fast presence timings, the test secret. */
export function testSettings(overrides: Partial<SocketNodeSettings> = {}): SocketNodeSettings {
  counter++;
  return {
    port: 0,
    host: '127.0.0.1',
    nodeId: `test-node-${process.pid}-${counter}`,
    cluster: 'test',
    flushIntervalMs: 60_000,
    shutdownTimeoutMs: 5000,
    jwt: { kind: 'secret', secret: TEST_SECRET },
    presence: { heartbeatMs: 5000, graceMs: 300, ttlMs: 30_000 },
    version: 'test',
    ...overrides,
  };
}

const MAIN = fileURLToPath(new URL('../../src/main.ts', import.meta.url));
const ROOT = fileURLToPath(new URL('../../..', import.meta.url));

/** A socket node running as its own process (`src/main.ts`), so a test can SIGSTOP / SIGCONT it. */
export interface NodeProcess {
  readonly url: string;
  readonly port: number;
  readonly child: ChildProcess;
  /** Everything it wrote to stdout and stderr so far. */
  output(): string;
  /** SIGKILL, then waits for the exit. */
  kill(): Promise<void>;
}

/**
 * Spawns `src/main.ts` with the test secret and `env`; resolves once `/health/<until>` answers
 * (`live` by default; `ready` waits for its first flush to the store).
 */
export async function spawnNode(
  env: Record<string, string>,
  options: { until?: 'live' | 'ready'; timeoutMs?: number } = {},
): Promise<NodeProcess> {
  const probe = options.until ?? 'live';
  const port = await freePort();
  const chunks: string[] = [];
  const child = spawn(process.execPath, ['--conditions=@telltale/source', '--import', 'tsx', MAIN], {
    cwd: ROOT,
    env: { ...process.env, PORT: String(port), JWT_SECRET: TEST_SECRET, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout?.on('data', (chunk: Buffer) => chunks.push(chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => chunks.push(chunk.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const url = `http://127.0.0.1:${port}`;
  const kill = async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await exited;
  };
  try {
    await eventually(
      async () => {
        if (child.exitCode !== null) throw new Error(`node on ${port} exited (${child.exitCode})`);
        return (await fetch(`${url}/health/${probe}`)).ok;
      },
      options.timeoutMs ?? 20_000,
      `node on ${port} ${probe}`,
    );
  } catch (error) {
    await kill();
    throw new Error(`${(error as Error).message}\n${chunks.join('')}`);
  }
  return { url, port, child, output: () => chunks.join(''), kill };
}
