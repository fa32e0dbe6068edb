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
