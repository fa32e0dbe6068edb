import type { ChildProcess } from 'node:child_process';

/** False once no process of the group is left. */
function signalGroup(pid: number, signal: NodeJS.Signals | 0): boolean {
  try {
    process.kill(-pid, signal);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ESRCH') throw error;
    return false;
  }
}

/**
 * Stops a child spawned with `detached: true` and everything it started (wrangler's esbuild and
 * workerd, tsx's node): SIGTERM to the group, SIGKILL if it is still there after `graceMs`.
 */
export async function stopProcessGroup(child: ChildProcess | null, graceMs = 5000): Promise<void> {
  if (!child?.pid) return;
  const pid = child.pid;
  if (child.exitCode === null && child.signalCode === null) {
    const exited = new Promise<void>((done) => child.once('exit', () => done()));
    signalGroup(pid, 'SIGTERM');
    await Promise.race([exited, new Promise((r) => setTimeout(r, graceMs))]);
  }
  // The leader may be gone while its children (workerd, esbuild) are not: the group gets a SIGKILL either way.
  signalGroup(pid, 'SIGKILL');
  const deadline = Date.now() + 2000;
  while (signalGroup(pid, 0) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
}
