import { type ChildProcess, spawn } from 'node:child_process';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';

/**
 * Request/response over the Node IPC channel between the bench driver and its child processes
 * (socket servers, load generators). Both ends validate what they receive.
 */

const Request = z.object({ id: z.number().int(), op: z.string(), args: z.unknown() });
const Reply = z.union([
  z.object({ kind: z.literal('ready'), info: z.unknown() }),
  z.object({ kind: z.literal('result'), id: z.number().int(), value: z.unknown() }),
  z.object({ kind: z.literal('failure'), id: z.number().int(), error: z.string() }),
]);
type Reply = z.infer<typeof Reply>;

export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

export interface SpawnOptions {
  /** Extra node flags (`--expose-gc`, `--cpu-prof`, …). */
  nodeFlags?: string[];
  /** Passed as argv[2], JSON-encoded; the child validates it. */
  config?: unknown;
  /** How long the child may take to report ready. */
  readyTimeoutMs?: number;
  /** A `taskset -c` CPU list to pin the child (and every thread it starts) to. */
  cpus?: string | null;
}

export class Child<Info> {
  private nextId = 1;
  private readonly pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  private exited = false;
  readonly exit: Promise<void>;

  private constructor(
    readonly name: string,
    readonly process: ChildProcess,
    readonly info: Info,
  ) {
    this.exit = new Promise((resolveExit) => {
      process.once('exit', () => {
        this.exited = true;
        for (const { reject } of this.pending.values()) reject(new Error(`${name} exited during a request`));
        this.pending.clear();
        resolveExit();
      });
    });
    process.on('message', (raw) => {
      const reply = Reply.safeParse(raw);
      if (!reply.success || reply.data.kind === 'ready') return;
      const waiter = this.pending.get(reply.data.id);
      if (!waiter) return;
      this.pending.delete(reply.data.id);
      if (reply.data.kind === 'result') waiter.resolve(reply.data.value);
      else waiter.reject(new Error(`${name}: ${reply.data.error}`));
    });
  }

  /**
   * Spawns `node --import tsx <file>` and waits for it to report ready with its info. With `cpus`,
   * through `taskset`, which execs node in place: the child's pid is node's own, signals reach it.
   */
  static async spawn<Info>(
    name: string,
    file: string,
    info: z.ZodType<Info>,
    options: SpawnOptions = {},
  ): Promise<Child<Info>> {
    const nodeArgs = [
      ...(options.nodeFlags ?? []),
      '--conditions=@telltale/source',
      '--import',
      'tsx',
      file,
      JSON.stringify(options.config ?? null),
    ];
    const [command, args] = options.cpus
      ? ['taskset', ['-c', options.cpus, process.execPath, ...nodeArgs]]
      : [process.execPath, nodeArgs];
    const child = spawn(command, args, { cwd: REPO_ROOT, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    const timeoutMs = options.readyTimeoutMs ?? 30_000;
    const ready = await new Promise<Info>((resolveReady, reject) => {
      const timer = setTimeout(() => {
        child.kill('SIGKILL');
        reject(new Error(`${name} did not report ready within ${timeoutMs} ms`));
      }, timeoutMs);
      const onExit = (code: number | null, signal: string | null) => {
        clearTimeout(timer);
        reject(new Error(`${name} exited before ready (code ${code}, signal ${signal})`));
      };
      child.once('exit', onExit);
      child.on('message', function onReady(raw) {
        const reply = Reply.safeParse(raw);
        if (!reply.success || reply.data.kind !== 'ready') return;
        clearTimeout(timer);
        child.off('exit', onExit);
        child.off('message', onReady);
        const parsed = info.safeParse(reply.data.info);
        if (parsed.success) resolveReady(parsed.data);
        else reject(new Error(`${name} reported an unexpected ready message: ${parsed.error.message}`));
      });
    });
    return new Child(name, child, ready);
  }

  call<T>(op: string, args: unknown, result: z.ZodType<T>, timeoutMs = 120_000): Promise<T> {
    if (this.exited) return Promise.reject(new Error(`${this.name} is not running`));
    const id = this.nextId++;
    return new Promise<T>((resolveCall, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new Error(`${this.name}: '${op}' got no answer within ${timeoutMs} ms`));
      }, timeoutMs);
      this.pending.set(id, {
        resolve: (value) => {
          clearTimeout(timer);
          const parsed = result.safeParse(value);
          if (parsed.success) resolveCall(parsed.data);
          else
            reject(new Error(`${this.name}: '${op}' answered an unexpected shape: ${parsed.error.message}`));
        },
        reject: (error) => {
          clearTimeout(timer);
          reject(error);
        },
      });
      this.process.send({ id, op, args });
    });
  }

  /** SIGTERM, then SIGKILL after `graceMs`; resolves once the process is gone. */
  async stop(graceMs = 5000): Promise<void> {
    if (this.exited) return;
    this.process.kill('SIGTERM');
    const timer = setTimeout(() => this.process.kill('SIGKILL'), graceMs);
    await this.exit;
    clearTimeout(timer);
  }

  signal(signal: NodeJS.Signals): void {
    if (!this.exited) this.process.kill(signal);
  }
}

export type Handler = (args: unknown) => unknown;

/** Child side: answers the driver's requests with the given handlers, then reports ready. */
export function serve(handlers: Record<string, Handler>, info: unknown): void {
  const send = (message: Reply) => process.send?.(message);
  process.on('message', (raw) => {
    const request = Request.safeParse(raw);
    if (!request.success) return;
    const { id, op, args } = request.data;
    const handler = handlers[op];
    if (!handler) {
      send({ kind: 'failure', id, error: `unknown op '${op}'` });
      return;
    }
    Promise.resolve()
      .then(() => handler(args))
      .then(
        (value) => send({ kind: 'result', id, value: value ?? null }),
        (error: unknown) =>
          send({ kind: 'failure', id, error: error instanceof Error ? error.message : String(error) }),
      );
  });
  // The driver going away must not leave load generators or servers behind.
  process.on('disconnect', () => process.exit(0));
  process.on('SIGTERM', () => process.exit(0));
  send({ kind: 'ready', info });
}

/** Child side: the JSON config the driver passed as argv[2]. */
export function childConfig<T>(schema: z.ZodType<T>): T {
  const raw = process.argv[2] ?? 'null';
  const parsed = schema.safeParse(JSON.parse(raw));
  if (!parsed.success) throw new Error(`bench child got a bad config ${raw}: ${parsed.error.message}`);
  return parsed.data;
}
