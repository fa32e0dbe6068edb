/**
 * The server against its own document, checked by tools nobody here wrote: fast-check generates
 * requests from /openapi.json's schemas (valid, and with one part broken), and every one goes
 * through `prism proxy --errors` to a real Node edge, so Prism validates each request and each
 * response against the document. Invalid requests also go straight to the edge: a 4xx problem.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createMemoryStore } from '@telltale/shared/store/memory';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../../../test/support/redis.ts';
import { type RunningEdge, startEdgeServer } from '../../src/node/server.ts';
import { admin, edgeConfig, flushNode, quietLogger, snapshotOf, socketOf } from '../harness.ts';
import { arbitraries, type GeneratedRequest, type OpenApiDocument } from '../openapi-arbitraries.ts';

const PRISM = join(import.meta.dirname, '../../node_modules/.bin/prism');
const REQUEST_TIMEOUT_MS = 10_000;
/** Runs per operation (each run one request; an invalid one goes through Prism and straight to the edge). */
const VALID_RUNS = 12;
const INVALID_RUNS = 6;
/** Streams never end, so a proxy buffering them would hang: the feed is checked by its own tests. */
const NOT_FUZZED = new Set(['GET /admin/events', 'GET /admin/taps/{id}/events']);

const store = createMemoryStore();
let edge: RunningEdge;
let prism: ChildProcess;
let prismUrl: string;
let doc: OpenApiDocument;
let sent = 0;
let heartbeat: ReturnType<typeof setInterval> | undefined;
/** Status codes seen per operation, printed at the end so a run shows what it covered. */
const seen = new Map<string, Map<number, number>>();

beforeAll(async () => {
  await flushNode(store, snapshotOf('node-a'), [socketOf('s1', 'node-a', { userId: 'u1' })]);
  // A live node keeps /health and /metrics at 200; it never acks, so commands answer 207.
  heartbeat = setInterval(() => void flushNode(store, snapshotOf('node-a')), 500);
  edge = await startEdgeServer({
    config: edgeConfig({ PORT: '0', COMMAND_TIMEOUT_MS: '50' }),
    store,
    logger: quietLogger,
    rateLimits: {
      adminRateLimit: { capacity: 10_000, refillPerSecond: 10_000 },
      clientRateLimit: { capacity: 10_000, refillPerSecond: 10_000 },
    },
  });
  doc = (await (await fetch(`${edge.url}/openapi.json`)).json()) as OpenApiDocument;
  const file = join(mkdtempSync(join(tmpdir(), 'telltale-openapi-')), 'openapi.json');
  writeFileSync(file, JSON.stringify(doc));
  const port = await freePort();
  prismUrl = `http://127.0.0.1:${port}`;
  prism = spawn(PRISM, ['proxy', file, edge.url, '--errors', '-h', '127.0.0.1', '-p', String(port)], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`prism did not start within 30 s:\n${output}`)), 30_000);
    const watch = (chunk: Buffer) => {
      output += String(chunk);
      if (output.includes('Prism is listening')) {
        clearTimeout(timer);
        resolve();
      }
    };
    prism.stdout?.on('data', watch);
    prism.stderr?.on('data', watch);
    prism.once('exit', (code) => reject(new Error(`prism exited (${code}):\n${output}`)));
  });
}, 60_000);

afterAll(async () => {
  clearInterval(heartbeat);
  if (prism && prism.exitCode === null) {
    const exited = new Promise((resolve) => prism.once('exit', resolve));
    prism.kill('SIGTERM');
    await exited;
  }
  await edge?.close();
  await store.close();
  const lines = [...seen].map(
    ([op, codes]) => `  ${op}: ${[...codes].map(([code, n]) => `${code}×${n}`).join(' ')}`,
  );
  console.log(`openapi fuzz: ${sent} requests\n${lines.sort().join('\n')}`);
});

interface Answer {
  status: number;
  contentType: string;
  violations: string | null;
  body: string;
}

async function send(
  base: string,
  r: GeneratedRequest,
  headers: Record<string, string> = admin,
): Promise<Answer> {
  const query = new URLSearchParams(r.query).toString();
  const init: RequestInit = {
    method: r.method.toUpperCase(),
    headers: r.body === undefined ? headers : { ...headers, 'content-type': 'application/json' },
    body: r.body === undefined ? undefined : JSON.stringify(r.body),
    signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
  };
  sent++;
  const res = await fetch(`${base}${r.path}${query ? `?${query}` : ''}`, init);
  const op = `${r.method.toUpperCase()} ${r.template} (${base === prismUrl ? 'prism' : 'edge'}, ${r.kind === 'valid' ? 'valid' : 'invalid'})`;
  const codes = seen.get(op) ?? new Map<number, number>();
  codes.set(res.status, (codes.get(res.status) ?? 0) + 1);
  seen.set(op, codes);
  return {
    status: res.status,
    contentType: res.headers.get('content-type') ?? '',
    violations: res.headers.get('sl-violations'),
    body: (await res.text()).slice(0, 400),
  };
}

function operations() {
  return Object.entries(doc.paths).flatMap(([path, methods]) =>
    Object.entries(methods)
      .filter(([method]) => !NOT_FUZZED.has(`${method.toUpperCase()} ${path}`))
      .map(([method, op]) => ({ method, path, op })),
  );
}

const describeRequest = (r: GeneratedRequest, a: Answer) =>
  `${r.kind}: ${r.method.toUpperCase()} ${r.path} ${JSON.stringify(r.query)} ${JSON.stringify(r.body)?.slice(0, 200)} -> ${a.status} ${a.violations ?? ''} ${a.body}`;

describe('the edge against its OpenAPI document, through prism proxy --errors', () => {
  it('answers valid requests within the document, never a 5xx', async () => {
    const { validRequest } = arbitraries(doc, ['cursor']);
    const failures: string[] = [];
    for (const { method, path, op } of operations()) {
      await fc.assert(
        fc.asyncProperty(validRequest(method, path, op), async (r) => {
          const a = await send(prismUrl, r);
          // A 422 here is Prism refusing a request generated as valid: the document contradicts itself.
          if (a.status >= 500 || a.status === 422 || a.violations) failures.push(describeRequest(r, a));
        }),
        { numRuns: VALID_RUNS, seed: 11 },
      );
    }
    expect(failures).toEqual([]);
  });

  it('refuses invalid requests with a 4xx, through Prism and straight at the edge', async () => {
    const { invalidRequest } = arbitraries(doc);
    const broken = operations().flatMap(({ method, path, op }) => invalidRequest(method, path, op) ?? []);
    expect(broken.length).toBeGreaterThan(10);
    const failures: string[] = [];
    for (const requests of broken) {
      await fc.assert(
        fc.asyncProperty(requests, async (r) => {
          const viaPrism = await send(prismUrl, r);
          if (viaPrism.status < 400 || viaPrism.status >= 500)
            failures.push(`prism ${describeRequest(r, viaPrism)}`);
          const direct = await send(edge.url, r);
          if (
            direct.status < 400 ||
            direct.status >= 500 ||
            direct.contentType !== 'application/problem+json'
          )
            failures.push(`edge ${describeRequest(r, direct)}`);
        }),
        { numRuns: INVALID_RUNS, seed: 11 },
      );
    }
    expect(failures).toEqual([]);
  });

  it('answers every admin operation without a credential with a documented 401', async () => {
    const failures: string[] = [];
    for (const { method, path, op } of operations()) {
      if (!op.security?.some((s) => 'adminBearer' in s)) continue;
      const r: GeneratedRequest = {
        method,
        template: path,
        path: path.replace(/\{\w+\}/g, 'x'),
        query: {},
        kind: 'no credential',
      };
      const a = await send(prismUrl, r, {});
      if (a.status !== 401 || a.violations) failures.push(describeRequest(r, a));
    }
    expect(failures).toEqual([]);
  });
});
