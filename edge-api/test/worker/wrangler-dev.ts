import { type ChildProcess, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { stopProcessGroup } from './process-group.ts';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
const wranglerBin = join(
  dirname(createRequire(import.meta.url).resolve('wrangler/package.json')),
  'bin/wrangler.js',
);

/** A new directory for Durable Object state under the gitignored `.wrangler/`. */
export function freshStateDir(): string {
  return join(repoRoot, '.wrangler', 'test-state', randomUUID());
}

export interface WranglerDev {
  url: string;
  /** Everything wrangler and workerd printed, for failure messages. */
  output(): string;
  /** Kills wrangler's whole process group (wrangler, esbuild, workerd) and removes its own state dir. */
  stop(): Promise<void>;
}

export interface WranglerDevOptions {
  port: number;
  vars?: Record<string, string>;
  readyTimeoutMs: number;
  /** Default: the repo's wrangler.toml (the edge API). */
  config?: string;
  /** Polled until it answers; default /health/live. */
  readyPath?: string;
  /** Durable Object storage directory, kept after stop (the caller removes it); default a fresh one, removed on stop. */
  persistTo?: string;
}

/**
 * The environment that keeps `wrangler dev` offline, silent and inside the repo's gitignored
 * `.wrangler/`: no telemetry, no update check (it rides on the banner), no cf.json download,
 * no prompts, and its logs, device id and dev registry under `.wrangler/` instead of ~/.config.
 */
export function offlineWranglerEnv(): NodeJS.ProcessEnv {
  const base = join(repoRoot, '.wrangler');
  return {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    CI: 'true',
    WRANGLER_SEND_METRICS: 'false',
    WRANGLER_SEND_ERROR_REPORTS: 'false',
    WRANGLER_HIDE_BANNER: 'true',
    CLOUDFLARE_CF_FETCH_ENABLED: 'false',
    WRANGLER_LOG_PATH: join(base, 'logs'),
    XDG_CONFIG_HOME: join(base, 'config'),
    NO_COLOR: '1',
  };
}

/** Vars and secrets as a dotenv file, so they stay off the process list. */
async function writeEnvFile(stateDir: string, vars: Record<string, string>): Promise<string> {
  const lines = Object.entries(vars).map(([key, value]) => {
    if (!/^[A-Z][A-Z0-9_]*$/.test(key) || /["\\\n]/.test(value))
      throw new Error(`cannot pass ${key} through an env file`);
    return `${key}="${value}"`;
  });
  await mkdir(stateDir, { recursive: true });
  const path = join(stateDir, 'worker.env');
  await writeFile(path, `${lines.join('\n')}\n`, { mode: 0o600 });
  return path;
}

async function waitForHttp(
  url: string,
  child: ChildProcess,
  deadline: number,
  output: () => string,
): Promise<void> {
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(
        `wrangler dev exited (${child.exitCode ?? child.signalCode}) before serving:\n${output()}`,
      );
    }
    const answered = await fetch(url, { signal: AbortSignal.timeout(1000) }).then(
      () => true,
      () => false,
    );
    if (answered) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`wrangler dev did not answer ${url} in time:\n${output()}`);
}

/** Starts the repo's Worker under `wrangler dev --local` (real workerd) on loopback and waits until it answers. */
export async function startWranglerDev(options: WranglerDevOptions): Promise<WranglerDev> {
  const stateDir = options.persistTo ?? freshStateDir();
  const args = [
    wranglerBin,
    'dev',
    '--local',
    '--config',
    options.config ?? join(repoRoot, 'wrangler.toml'),
    '--ip',
    '127.0.0.1',
    '--port',
    String(options.port),
    '--inspector-port',
    '0',
    '--persist-to',
    stateDir,
    '--show-interactive-dev-session=false',
    '--log-level',
    'warn',
    // An explicit env file also stops wrangler from reading a developer's own .dev.vars.
    '--env-file',
    await writeEnvFile(stateDir, options.vars ?? {}),
  ];
  const child = spawn(process.execPath, args, {
    cwd: repoRoot,
    env: offlineWranglerEnv(),
    // Own process group, so one signal reaches wrangler, esbuild and both workerd processes.
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let log = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    log += chunk.toString();
  });
  child.stderr?.on('data', (chunk: Buffer) => {
    log += chunk.toString();
  });
  const output = () => log;
  const url = `http://127.0.0.1:${options.port}`;

  const stop = async () => {
    await stopProcessGroup(child);
    if (!options.persistTo) await rm(stateDir, { recursive: true, force: true });
  };

  try {
    await waitForHttp(
      `${url}${options.readyPath ?? '/health/live'}`,
      child,
      Date.now() + options.readyTimeoutMs,
      output,
    );
  } catch (error) {
    await stop();
    throw error;
  }
  return { url, output, stop };
}
