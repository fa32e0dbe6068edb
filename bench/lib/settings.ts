import { spawnSync } from 'node:child_process';

/**
 * Benchmark knobs. `--quick` (or BENCH_QUICK=1) picks short settings for development; any knob can
 * be overridden with its env var, e.g. BENCH_OVERHEAD_ROUNDS=3.
 */
export const quick = process.argv.includes('--quick') || process.env.BENCH_QUICK === '1';

export function setting(name: string, full: number, short: number): number {
  const raw = process.env[`BENCH_${name}`];
  if (raw !== undefined && raw !== '') {
    const value = Number(raw);
    if (!Number.isFinite(value) || value < 0)
      throw new Error(`BENCH_${name} must be a non-negative number: got '${raw}'`);
    return value;
  }
  return quick ? short : full;
}

/**
 * Node flags for a process under test: with `BENCH_CPU_PROF=<dir>` it writes a CPU profile into a
 * folder of its own (tsx's loader thread writes a second, small profile next to the main one).
 */
export function profileFlags(name: string): { flags: string[]; folder: string | null } {
  const dir = process.env.BENCH_CPU_PROF;
  if (!dir) return { flags: [], folder: null };
  const folder = `${dir}/${name.replace(/[^\w.-]+/g, '_')}-${Date.now()}`;
  return { flags: ['--cpu-prof', `--cpu-prof-dir=${folder}`], folder };
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** The order of configurations in round `r`: rotated, so no configuration always goes first. */
export function rotate<T>(items: readonly T[], round: number): T[] {
  const k = round % Math.max(items.length, 1);
  return [...items.slice(k), ...items.slice(0, k)];
}

/** Which CPUs the processes under test and their load run on, from `BENCH_PIN`. */
export interface CpuPlan {
  /** A `taskset -c` list for socket servers, or null to leave them to the scheduler. */
  server: string | null;
  load: string | null;
}

/**
 * `BENCH_PIN=1` (the default with 2+ CPUs and `taskset` on the PATH) puts socket servers on CPU 0
 * and load generators on CPU 1, so the server under test does not share its core with the sockets
 * driving it and events/s stops swinging with the scheduler; `BENCH_PIN=0` leaves both unpinned.
 */
export function cpuPlan(cpus: number, hasTaskset: boolean, raw = process.env.BENCH_PIN): CpuPlan {
  const wanted = raw === undefined || raw === '' ? cpus >= 2 && hasTaskset : raw !== '0';
  if (!wanted) return { server: null, load: null };
  if (cpus < 2) throw new Error(`BENCH_PIN needs 2 CPUs to split server and load; this machine has ${cpus}`);
  if (!hasTaskset) throw new Error('BENCH_PIN needs taskset (util-linux) on the PATH');
  return { server: '0', load: '1' };
}

/**
 * Pins this process (every thread of it) to `cpus` until the returned function restores the
 * affinity it had: for suites whose server under test runs inside the bench driver itself.
 */
export function pinSelf(cpus: string | null): () => void {
  if (!cpus) return () => {};
  const pid = String(process.pid);
  const before = /:\s*(\S+)\s*$/.exec(run(['-p', '-c', pid]))?.[1];
  if (!before) throw new Error("taskset could not read this process's CPU affinity");
  run(['-a', '-p', '-c', cpus, pid]);
  return () => void run(['-a', '-p', '-c', before, pid]);
}

function run(args: string[]): string {
  const result = spawnSync('taskset', args, { encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`taskset ${args.join(' ')} failed: ${result.stderr}`);
  return result.stdout;
}

export function hasTaskset(): boolean {
  return spawnSync('taskset', ['-c', '0', 'true']).status === 0;
}
