/**
 * The README's production command from a clone, `pnpm start`, as a process supervisor sees it: the
 * server is compiled JavaScript under plain node (no tsx), and SIGTERM sent to the `pnpm` process
 * (what `docker stop`, systemd and Kubernetes do) stops the server itself, gracefully.
 */
import { spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { expect, it } from 'vitest';
import { freePort } from '../support/redis.ts';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

async function childrenOf(pid: number): Promise<number[]> {
  const text = await readFile(`/proc/${pid}/task/${pid}/children`, 'utf8').catch(() => '');
  return text.trim().split(/\s+/).filter(Boolean).map(Number);
}

async function listening(url: string): Promise<boolean> {
  return fetch(url).then(
    () => true,
    () => false,
  );
}

it('pnpm start runs node on dist/ and a SIGTERM to pnpm stops the server within 5 s', async () => {
  const [port, socketPort] = [await freePort(), await freePort()];
  const pnpm = spawn('pnpm', ['start'], {
    cwd: ROOT,
    env: { ...process.env, PORT: String(port), SOCKET_PORT: String(socketPort), HOST: '127.0.0.1' },
  });
  let output = '';
  pnpm.stdout.on('data', (chunk) => (output += chunk));
  pnpm.stderr.on('data', (chunk) => (output += chunk));
  const exited = new Promise<number | null>((resolve) => pnpm.once('exit', (code) => resolve(code)));
  try {
    await expect
      .poll(() => listening(`http://127.0.0.1:${port}/health/live`), { timeout: 20_000, interval: 200 })
      .toBe(true);

    // pnpm → node (the script is `exec node …`, so no shell and no loader in between).
    const [server] = await childrenOf(pnpm.pid ?? 0);
    const command = (await readFile(`/proc/${server}/cmdline`, 'utf8')).split('\0');
    expect(command, output).toContain('embedded/dist/main.js');
    expect(command.join(' ')).not.toContain('tsx');

    const sent = Date.now();
    pnpm.kill('SIGTERM');
    expect(await exited).toBe(0);
    expect(Date.now() - sent).toBeLessThan(5000);
    expect(output).toContain('SIGTERM, shutting down');
    expect(await listening(`http://127.0.0.1:${port}/health/live`)).toBe(false);
    expect(await listening(`http://127.0.0.1:${socketPort}/health`)).toBe(false);
  } finally {
    if (pnpm.exitCode === null) pnpm.kill('SIGKILL');
  }
}, 60_000);
