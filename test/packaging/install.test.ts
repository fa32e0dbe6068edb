/**
 * Telltale as an outsider installs it: the packages packed with `pnpm pack`, installed with `npm`
 * into a project outside the workspace next to socket.io 4.7, a plain JavaScript server run with
 * `node` (no loader), and the edge started from the same install with `telltale serve`.
 */
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { cp, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { io, type Socket } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, type RedisProcess, startRedis } from '../support/redis.ts';

const run = promisify(execFile);
const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const APP = fileURLToPath(new URL('./app/', import.meta.url));
const PACKAGES = ['shared', 'socket-node', 'edge-api'] as const;
const ADMIN_TOKEN = 'packaging-admin-token-0123456789';
const INTERVAL_MS = 400;

let work = '';
let project = '';
let redis: RedisProcess;
const tarballs: Record<string, string> = {};
const children: ChildProcess[] = [];
const clients: Socket[] = [];

/** A child with its output kept, so a failure shows what the process said. */
function start(command: string, args: string[], env: Record<string, string>) {
  const child = spawn(command, args, {
    cwd: project,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...env },
  });
  let output = '';
  child.stdout?.on('data', (chunk) => (output += chunk));
  child.stderr?.on('data', (chunk) => (output += chunk));
  children.push(child);
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { child, exited, output: () => output };
}

async function poll<T>(
  what: string,
  read: () => Promise<T>,
  done: (value: T) => boolean,
  timeoutMs = 15_000,
) {
  const deadline = Date.now() + timeoutMs;
  let last: T | undefined;
  let lastError: unknown;
  while (Date.now() < deadline) {
    try {
      last = await read();
      if (done(last)) return last;
    } catch (error) {
      lastError = error;
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`${what} within ${timeoutMs} ms; last: ${JSON.stringify(last)} ${String(lastError ?? '')}`);
}

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'telltale-packaging-'));
  project = join(work, 'app');
  const packs = join(work, 'packs');
  redis = await startRedis();
  for (const name of PACKAGES) {
    // What a maintainer runs to publish: prepack builds dist/, pnpm rewrites workspace: ranges.
    await run('pnpm', ['pack', '--pack-destination', packs], { cwd: join(ROOT, name) });
  }
  for (const file of await readdir(packs)) {
    const name = PACKAGES.find((p) => file.startsWith(`telltale-${p}-`));
    if (name) tarballs[name] = join(packs, file);
  }
  await cp(APP, project, { recursive: true });
  await writeFile(
    join(project, 'package.json'),
    JSON.stringify({ name: 'game', private: true, type: 'module' }),
  );
  const started = performance.now();
  // The README's install line, with the packed tarballs in place of the registry names.
  await run(
    'npm',
    [
      'install',
      '--no-audit',
      '--no-fund',
      '--loglevel=error',
      tarballs.shared ?? '',
      tarballs['socket-node'] ?? '',
      tarballs['edge-api'] ?? '',
      'socket.io@4.7.5',
      'ioredis@^5.8.0',
      '@types/node@^20.19.0',
    ],
    { cwd: project, env: { ...process.env, NODE_OPTIONS: '' } },
  );
  console.log(`npm install of the tarballs: ${Math.round(performance.now() - started)} ms`);
}, 240_000);

afterAll(async () => {
  for (const client of clients) client.close();
  for (const child of children) if (child.exitCode === null) child.kill('SIGKILL');
  await redis?.stop();
  if (work) await rm(work, { recursive: true, force: true });
});

describe('the packed tarballs', () => {
  it('hold only dist/ JavaScript and declarations, bins, README and LICENSE', async () => {
    for (const name of PACKAGES) {
      const { stdout } = await run('tar', ['tzf', tarballs[name] ?? '']);
      const files = stdout.trim().split('\n');
      const unexpected = files.filter(
        (file) =>
          !/^package\/(package\.json|README\.md|LICENSE|bin\/[\w-]+\.js|dist\/.+\.(js|d\.ts|js\.map))$/.test(
            file,
          ),
      );
      expect(unexpected, name).toEqual([]);
      expect(
        files.some((file) => /\.test\./.test(file)),
        name,
      ).toBe(false);
      expect(files, name).toContain('package/LICENSE');
      expect(files, name).toContain('package/README.md');
      const { stdout: manifest } = await run('tar', [
        'xzf',
        tarballs[name] ?? '',
        '-O',
        'package/package.json',
      ]);
      expect(manifest, name).not.toContain('workspace:');
      const { exports, license } = JSON.parse(manifest) as { exports: unknown; license: string };
      expect(JSON.stringify(exports), name).not.toContain('@telltale/source');
      expect(JSON.stringify(exports), name).not.toContain('/src/');
      expect(license, name).toBe('MIT');
    }
  });

  it('install next to socket.io 4.7.5 with one copy of socket.io', async () => {
    const { stdout } = await run('find', [
      join(project, 'node_modules'),
      '-path',
      '*/socket.io/package.json',
    ]);
    const copies = stdout.trim().split('\n').filter(Boolean);
    expect(copies).toHaveLength(1);
    expect(JSON.parse(await readFile(copies[0] ?? '', 'utf8')).version).toBe('4.7.5');
  });

  it('type-check a TypeScript app with module nodenext, strict and skipLibCheck false', async () => {
    const tsc = join(ROOT, 'node_modules/typescript/bin/tsc');
    const result = await run(process.execPath, [tsc, '-p', join(project, 'tsconfig.json')]).catch(
      (error: { stdout?: string; code?: number }) => ({
        stdout: error.stdout ?? String(error),
        code: error.code,
      }),
    );
    expect(result.stdout).toBe('');
  }, 180_000);
});

describe('a plain node app with instrument(io), and telltale serve from the same install', () => {
  let edgeUrl = '';
  let edge: ReturnType<typeof start>;
  let appPort = 0;

  beforeAll(async () => {
    appPort = await freePort();
    const edgePort = await freePort();
    edgeUrl = `http://127.0.0.1:${edgePort}`;
    const common = { REDIS_URL: redis.url, CLUSTER_ID: 'games', FLUSH_INTERVAL_MS: String(INTERVAL_MS) };
    const app = start(process.execPath, ['server.js'], { ...common, PORT: String(appPort) });
    edge = start(join(project, 'node_modules/.bin/telltale'), ['serve', '--host', '127.0.0.1'], {
      ...common,
      PORT: String(edgePort),
      ADMIN_TOKEN,
      TICK_INTERVAL_MS: String(INTERVAL_MS),
    });
    await poll(
      'the app and the edge to listen',
      async () => [
        (await fetch(`${edgeUrl}/health/live`)).status,
        (await fetch(`http://127.0.0.1:${appPort}/socket.io/?EIO=4&transport=polling`)).status,
      ],
      (statuses) => statuses.every((status) => status === 200),
    ).catch((error: Error) => {
      throw new Error(`${error.message}\napp: ${app.output()}\nedge: ${edge.output()}`);
    });
    for (const uid of [7, 8, 9]) {
      const client = io(`http://127.0.0.1:${appPort}/game`, {
        auth: { uid },
        transports: ['websocket'],
        reconnection: false,
      });
      clients.push(client);
      await new Promise<void>((resolve, reject) => {
        client.once('connect', () => resolve());
        client.once('connect_error', reject);
      });
    }
  }, 60_000);

  it("counts the app's sockets in /metrics, under its own namespace only", async () => {
    const view = await poll(
      'three sockets in /metrics',
      async () =>
        (await fetch(`${edgeUrl}/metrics`)).json() as Promise<{ connections: Record<string, unknown> }>,
      (body) => body.connections.total === 3,
    );
    expect(view.connections.by_namespace).toEqual({ '/': 0, '/game': 3 });
    expect(view.connections).not.toHaveProperty('hub');
    expect(view.connections).not.toHaveProperty('portal');
  });

  it('lists them in /admin/connections with the user ids identify returned as numbers', async () => {
    const headers = { authorization: `Bearer ${ADMIN_TOKEN}` };
    const body = await poll(
      'three rows in /admin/connections',
      async () =>
        (await fetch(`${edgeUrl}/admin/connections`, { headers })).json() as Promise<{
          items: { userId: string | null; namespace: string }[];
        }>,
      (page) => page.items?.length === 3,
    );
    expect(body.items.map((row) => row.userId).sort()).toEqual(['7', '8', '9']);
    expect(new Set(body.items.map((row) => row.namespace))).toEqual(new Set(['/game']));
  });

  it('routes a user disconnect to the app and the socket really goes', async () => {
    const target = clients[0];
    const gone = new Promise<string>((resolve) => target?.once('disconnect', (reason) => resolve(reason)));
    const response = await fetch(`${edgeUrl}/admin/users/7/disconnect`, {
      method: 'POST',
      headers: { authorization: `Bearer ${ADMIN_TOKEN}` },
    });
    const result = (await response.json()) as { affected: number; complete: boolean };
    expect(response.status).toBe(200);
    expect(result).toMatchObject({ affected: 1, complete: true });
    expect(await gone).toBe('io server disconnect');
  });

  it('telltale check exits 0 against the live edge and 2 against a dead port', async () => {
    const telltale = join(project, 'node_modules/.bin/telltale');
    const live = await run(telltale, ['check', '--url', edgeUrl, '--warning', '4000', '--critical', '8000']);
    expect(live.stdout).toMatch(/^TELLTALE OK/);
    const deadPort = await freePort();
    const dead = await run(telltale, ['check', '--url', `http://127.0.0.1:${deadPort}`]).catch(
      (error: { code?: number; stdout?: string }) => error,
    );
    expect(dead).toMatchObject({ code: 2 });
  });

  it('telltale --version and --help answer from the installed package', async () => {
    const telltale = join(project, 'node_modules/.bin/telltale');
    expect((await run(telltale, ['--version'])).stdout.trim()).toBe('0.1.0');
    expect((await run(telltale, ['serve', '--help'])).stdout).toContain('Usage: telltale serve');
    expect((await run(telltale, ['check', '--help'])).stdout).toContain('Usage: telltale check');
  });

  it('telltale-node says which optional peers the reference server needs', async () => {
    const node = await run(join(project, 'node_modules/.bin/telltale-node'), []).catch(
      (error: { code?: number; stderr?: string }) => error,
    );
    expect(node).toMatchObject({ code: 1 });
    // jose arrives with @telltale/edge-api here; the Redis adapter is the reference server's alone.
    expect((node as { stderr: string }).stderr).toContain(
      'telltale-node: the reference server needs @socket.io/redis-adapter: npm install @socket.io/redis-adapter',
    );
  });

  it('SIGTERM to telltale serve shuts it down gracefully: exit 0 within 5 s', async () => {
    const started = Date.now();
    edge.child.kill('SIGTERM');
    expect(await edge.exited).toBe(0);
    expect(Date.now() - started).toBeLessThan(5000);
  });
});
