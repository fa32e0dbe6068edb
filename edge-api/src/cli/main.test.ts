import { spawn } from 'node:child_process';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { serve } from '@hono/node-server';
import { afterAll, describe, expect, it } from 'vitest';
import { freePort } from '../../../test/support/redis.ts';
import { type Edge, flushNode, makeEdge, snapshotOf } from '../../test/harness.ts';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const BIN = fileURLToPath(new URL('../../bin/telltale.js', import.meta.url));

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs a command to completion as a real child process, bounded in time. */
function run(command: string, args: string[]): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: ROOT, env: { ...process.env, TELLTALE_TOKEN: '' } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => (stdout += chunk));
    child.stderr.on('data', (chunk) => (stderr += chunk));
    const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

const telltale = (...args: string[]) => run(process.execPath, [BIN, ...args]);
/** Generous response-time thresholds, so a loaded CI machine does not turn a state test into a timing test. */
const RELAXED = ['--warning', '4000', '--critical', '8000'];

const cleanups: (() => Promise<void>)[] = [];
afterAll(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
});

/** The real edge app over HTTP on a free loopback port; `delayMs` slows every answer down. */
async function serveEdge(edge: Edge, delayMs = 0): Promise<string> {
  const server = serve({
    fetch: async (request) => {
      if (delayMs > 0) await new Promise((resolve) => setTimeout(resolve, delayMs));
      return edge.app.fetch(request);
    },
    hostname: '127.0.0.1',
    port: 0,
  });
  await new Promise((resolve) => server.once('listening', resolve));
  cleanups.push(async () => {
    await new Promise((resolve) => server.close(resolve));
    await edge.stop();
  });
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

async function edgeWith(nodes: { id: string; ageMs: number }[]): Promise<Edge> {
  const edge = makeEdge();
  for (const node of nodes) {
    await flushNode(edge.store, snapshotOf(node.id, { node: { flushedAt: Date.now() - node.ageMs } }));
  }
  await edge.aggregator.aggregator.tick();
  return edge;
}

describe('telltale check against a real edge API', () => {
  it('is OK (exit 0) when every expected node is live', async () => {
    const url = await serveEdge(await edgeWith([{ id: 'node-a', ageMs: 0 }]));
    const result = await telltale('check', '--url', url, ...RELAXED);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(
      /^TELLTALE OK - cluster pass \(HTTP 200\) in [\d.]+ ms \| time=[\d.]+s;4;8;0;10 /,
    );
    expect(result.stdout).toContain(' nodes:live=1');
  });

  it('is WARNING (exit 1) when a node is stale, and says which', async () => {
    const url = await serveEdge(
      await edgeWith([
        { id: 'node-a', ageMs: 0 },
        { id: 'node-b', ageMs: 12_000 },
      ]),
    );
    const result = await telltale('check', '--url', url, ...RELAXED);
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(
      /^TELLTALE WARNING - cluster warn \(HTTP 200\) in [\d.]+ ms: node node-b is stale/,
    );
  });

  it('is CRITICAL (exit 2) when no node is live, in every format', async () => {
    const url = await serveEdge(await edgeWith([]));
    const nagios = await telltale('check', '--url', url, ...RELAXED);
    expect(nagios.code).toBe(2);
    expect(nagios.stdout).toMatch(/^TELLTALE CRITICAL - cluster fail \(HTTP 503\) .*no socket node is live/);

    const json = await telltale('check', '--url', url, '--format', 'json', ...RELAXED);
    expect(json.code).toBe(2);
    expect(JSON.parse(json.stdout)).toMatchObject({
      state: 'CRITICAL',
      exitCode: 2,
      health: 'fail',
      httpStatus: 503,
    });

    const prometheus = await telltale('check', '--url', url, '--format', 'prometheus');
    expect(prometheus.code).toBe(2);
    expect(prometheus.stdout).toContain(`telltale_check_health_status{url="${url}/health",status="fail"} 1`);
    const lint = await new Promise<Run>((resolve) => {
      const child = spawn('promtool', ['check', 'metrics']);
      let out = '';
      child.stdout.on('data', (c) => (out += c));
      child.stderr.on('data', (c) => (out += c));
      child.on('close', (code) => resolve({ code, stdout: out, stderr: '' }));
      child.stdin.end(prometheus.stdout);
    });
    expect(lint).toEqual({ code: 0, stdout: '', stderr: '' });
  });

  it('judges response time against --warning and gives up at --timeout', async () => {
    const url = await serveEdge(await edgeWith([{ id: 'node-a', ageMs: 0 }]), 300);
    const slow = await telltale('check', '--url', url, '--warning', '100', '--critical', '2000');
    expect(slow.code).toBe(1);
    expect(slow.stdout).toContain('response time over the warning threshold of 100 ms');
    const timedOut = await telltale('check', '--url', url, '--timeout', '100');
    expect(timedOut.code).toBe(2);
    expect(timedOut.stdout).toBe(`TELLTALE CRITICAL - no answer from ${url}/health within 100 ms\n`);
  });

  it('is CRITICAL (exit 2) for an unreachable port, naming the cause', async () => {
    const port = await freePort();
    const result = await telltale('check', '--url', `http://127.0.0.1:${port}`);
    expect(result.code).toBe(2);
    expect(result.stdout).toBe(
      `TELLTALE CRITICAL - cannot reach http://127.0.0.1:${port}/health: ECONNREFUSED, connection refused (nothing listening there?)\n`,
    );
  });

  it('is UNKNOWN (exit 3) for bad usage, with the usage on stderr', async () => {
    const result = await telltale('check', '--url', 'localhost:8787');
    expect(result.code).toBe(3);
    expect(result.stdout).toBe('');
    expect(result.stderr).toContain("--url must be an http:// or https:// URL: got 'localhost:8787'");
    expect(result.stderr).toContain('Usage: telltale check');
  });

  it('runs from the workspace root as `pnpm telltale check`', async () => {
    const url = await serveEdge(await edgeWith([{ id: 'node-a', ageMs: 0 }]));
    const result = await run('pnpm', [
      '--silent',
      'telltale',
      'check',
      '--url',
      url,
      '--format',
      'json',
      ...RELAXED,
    ]);
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout)).toMatchObject({ state: 'OK', health: 'pass' });
  });
});
