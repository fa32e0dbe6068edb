/**
 * Settles as `promise` does, or rejects with `Error(message)` once `ms` have passed first; a late
 * rejection of `promise` is then handled, never unhandled. The timer is cleared as soon as the
 * promise settles, and on Node it is unref'd: a deadline never keeps a process alive on its own.
 */
export function withTimeout<T>(
  promise: Promise<T>,
  ms: number,
  message = `no answer within ${ms} ms`,
): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(message)), ms);
    // Workers and browsers return a number; Node returns a Timeout that can be unref'd.
    (timer as { unref?: () => void }).unref?.();
  });
  return Promise.race([promise, deadline]).finally(() => {
    if (timer !== undefined) clearTimeout(timer);
  });
}
