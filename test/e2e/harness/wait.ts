export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Thrown from a check to stop waiting at once (a process died): retrying cannot help. */
export class GiveUp extends Error {}

export interface WaitOptions {
  timeoutMs: number;
  /** What is awaited, for the failure message. */
  what: string;
  intervalMs?: number;
}

/**
 * Polls `check` until it returns something truthy and returns it, or fails after the deadline with
 * what it last saw, so a failing scenario says what state the cluster was in.
 */
export type Truthy<T> = Exclude<T, false | null | undefined | 0 | ''>;

export async function waitFor<T>(check: () => T | Promise<T>, options: WaitOptions): Promise<Truthy<T>> {
  const deadline = Date.now() + options.timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value) return value as Truthy<T>;
      last = value;
    } catch (error) {
      if (error instanceof GiveUp) throw error;
      last = error;
    }
    if (Date.now() >= deadline) break;
    await sleep(options.intervalMs ?? 50);
  }
  const seen = last instanceof Error ? last.message : JSON.stringify(last);
  throw new Error(`${options.what}: not reached within ${options.timeoutMs} ms (last seen: ${seen})`);
}

/** Milliseconds since `start`, rounded. */
export function since(start: number): number {
  return Math.round(performance.now() - start);
}
