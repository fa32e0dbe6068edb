import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url));

export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

const everyChild = new Set<ChildProcess>();
// A crashed test must not leave nodes, proxies or Redis behind: kill what this worker started.
process.once('exit', () => {
  for (const child of everyChild)
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
});

/**
 * One child process of the cluster (a socket node, the edge, a load balancer). Its stdout and stderr
 * are kept across restarts, so a test can read every line it ever logged.
 */
export class ManagedProcess {
  private child: ChildProcess | null = null;
  private exited: Promise<Exit> = Promise.resolve({ code: null, signal: null });
  private readonly lines: string[] = [];
  private pending = '';

  constructor(
    readonly name: string,
    private readonly command: string,
    private readonly args: readonly string[],
    private readonly env: NodeJS.ProcessEnv,
    private readonly cwd = REPO_ROOT,
  ) {}

  start(): void {
    if (this.running) throw new Error(`${this.name} is already running (pid ${this.pid})`);
    const child = spawn(this.command, this.args, {
      cwd: this.cwd,
      env: this.env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.child = child;
    everyChild.add(child);
    const record = (chunk: Buffer) => this.record(chunk.toString('utf8'));
    child.stdout?.on('data', record);
    child.stderr?.on('data', record);
    this.exited = new Promise<Exit>((resolve) => {
      child.once('exit', (code, signal) => {
        everyChild.delete(child);
        if (this.pending) this.lines.push(this.pending);
        this.pending = '';
        this.lines.push(`[${this.name} exited: code ${code}, signal ${signal}]`);
        resolve({ code, signal });
      });
      child.once('error', (error) => {
        everyChild.delete(child);
        this.lines.push(`[${this.name} failed to start: ${error.message}]`);
        resolve({ code: null, signal: null });
      });
    });
  }

  get pid(): number | undefined {
    return this.child?.pid;
  }

  get running(): boolean {
    const child = this.child;
    return child !== null && child.exitCode === null && child.signalCode === null;
  }

  /** Resolves when the current run ends. */
  waitForExit(): Promise<Exit> {
    return this.exited;
  }

  signal(signal: NodeJS.Signals): void {
    if (this.running) this.child?.kill(signal);
  }

  /** Sends `signal`, waits up to `graceMs`, then SIGKILL. Resolves with how it ended. */
  async stop(signal: NodeJS.Signals = 'SIGTERM', graceMs = 10_000): Promise<Exit> {
    if (!this.running) return this.exited;
    this.signal(signal);
    const timer = setTimeout(() => this.signal('SIGKILL'), graceMs);
    try {
      return await this.exited;
    } finally {
      clearTimeout(timer);
    }
  }

  /** Everything the process wrote to stdout and stderr, every run. */
  output(): string {
    return [...this.lines, this.pending].join('\n');
  }

  /** The last lines, for failure messages. */
  tail(count = 30): string {
    return [...this.lines, this.pending].slice(-count).join('\n');
  }

  private record(text: string): void {
    const parts = (this.pending + text).split('\n');
    this.pending = parts.pop() ?? '';
    for (const line of parts) this.lines.push(line);
    if (this.lines.length > 20_000) this.lines.splice(0, this.lines.length - 20_000);
  }
}

/**
 * A package's compiled entry run by plain `node`, exactly as its `start` script and its bin do in
 * production (`pnpm test` builds `dist/` first).
 */
export function nodeProcess(
  name: string,
  entry: string,
  args: readonly string[],
  env: Record<string, string>,
  nodeArgs: readonly string[] = [],
): ManagedProcess {
  return new ManagedProcess(name, process.execPath, [...nodeArgs, entry, ...args], {
    PATH: process.env.PATH ?? '',
    HOME: process.env.HOME ?? '',
    NODE_ENV: 'production',
    ...env,
  });
}
