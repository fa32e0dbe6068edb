import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createTlsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../../../test/support/redis.ts';
import { healthUrl, probeHealth } from './probe.ts';

type Handler = (req: IncomingMessage, res: ServerResponse) => void;

const servers: Server[] = [];
/** Listens on a kernel-picked loopback port; returns `127.0.0.1:<port>`. */
async function listen(server: Server): Promise<string> {
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `127.0.0.1:${(server.address() as AddressInfo).port}`;
}
const serve = async (handler: Handler) => `http://${await listen(createServer(handler))}`;

const passing = { status: 'pass', serviceId: 'telltale', description: 'cluster', checks: {} };
let certDir: string;

beforeAll(() => {
  certDir = mkdtempSync(join(tmpdir(), 'telltale-cert-'));
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:prime256v1',
      '-nodes',
      '-days',
      '1',
      '-subj',
      '/CN=127.0.0.1',
      '-keyout',
      join(certDir, 'key.pem'),
      '-out',
      join(certDir, 'cert.pem'),
    ],
    { stdio: 'ignore' },
  );
});

afterAll(async () => {
  for (const server of servers) {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
  rmSync(certDir, { recursive: true, force: true });
});

describe('healthUrl', () => {
  it('appends /health to the base, keeping a path prefix', () => {
    expect(healthUrl('https://edge.example.com')).toBe('https://edge.example.com/health');
    expect(healthUrl('https://example.com/telltale/?x=1')).toBe('https://example.com/telltale/health');
  });
});

describe('probeHealth against real servers', () => {
  it('reads a health report and sends the token as a bearer', async () => {
    let authorization: string | undefined;
    const base = await serve((req, res) => {
      authorization = req.headers.authorization;
      res.writeHead(req.url === '/edge/health' ? 200 : 404, { 'content-type': 'application/health+json' });
      res.end(JSON.stringify(passing));
    });
    const probe = await probeHealth({ url: `${base}/edge`, timeoutMs: 2000, token: 'tkn' });
    expect(probe).toMatchObject({ kind: 'report', httpStatus: 200, report: { status: 'pass' } });
    expect(authorization).toBe('Bearer tkn');
  });

  it('says why an answer is not a health report', async () => {
    const html = await serve((_req, res) => {
      res.writeHead(502, { 'content-type': 'text/html' });
      res.end('<html><body>Bad gateway</body></html>');
    });
    expect(await probeHealth({ url: html, timeoutMs: 2000 })).toMatchObject({
      kind: 'not-a-report',
      httpStatus: 502,
      reason: 'answer is not JSON (content-type text/html): "<html><body>Bad gateway</body></html>"',
    });
    const json = await serve((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ status: 'healthy' }));
    });
    const probe = await probeHealth({ url: json, timeoutMs: 2000 });
    expect(probe.kind === 'not-a-report' && probe.reason).toMatch(/^JSON is not a health report \(status: /);
  });

  it('gives up at the timeout', async () => {
    const silent = await serve(() => {});
    const started = Date.now();
    expect(await probeHealth({ url: silent, timeoutMs: 150 })).toEqual({ kind: 'timeout', timeoutMs: 150 });
    expect(Date.now() - started).toBeLessThan(2000);
  });

  it('names a refused connection', async () => {
    const port = await freePort();
    const probe = await probeHealth({ url: `http://127.0.0.1:${port}`, timeoutMs: 2000 });
    expect(probe).toEqual({
      kind: 'unreachable',
      reason: 'ECONNREFUSED, connection refused (nothing listening there?)',
    });
  });

  it('names TLS failures: an untrusted certificate, and https spoken to a plain HTTP port', async () => {
    const tls = createTlsServer(
      { key: readFileSync(join(certDir, 'key.pem')), cert: readFileSync(join(certDir, 'cert.pem')) },
      (_req, res) => res.end(JSON.stringify(passing)),
    );
    const tlsBase = `https://${await listen(tls)}`;
    const untrusted = await probeHealth({ url: tlsBase, timeoutMs: 2000 });
    expect(untrusted).toMatchObject({ kind: 'tls' });
    expect(untrusted.kind === 'tls' && untrusted.reason).toMatch(
      /^DEPTH_ZERO_SELF_SIGNED_CERT, self.signed certificate/,
    );

    const plain = await serve((_req, res) => res.end('plain'));
    const mismatch = await probeHealth({ url: plain.replace(/^http:/, 'https:'), timeoutMs: 2000 });
    expect(mismatch).toEqual({
      kind: 'tls',
      reason:
        'ERR_SSL_WRONG_VERSION_NUMBER, wrong version number (the server may speak plain HTTP: try http://)',
    });
  });
});
