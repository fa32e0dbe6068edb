import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../../../test/support/redis.ts';
import { negotiateMetricsFormat } from './negotiate.ts';
import { metricsContentType, renderOpenMetrics, renderPrometheus } from './render.ts';
import { busyView, NASTY } from './test-views.ts';

/**
 * promtool 2.42 only lints the 0.0.4 text format, so the OpenMetrics body is checked the way it is
 * used: a real Prometheus scrapes it (negotiating by its own Accept header) and must report no error.
 */
describe('a real Prometheus scraping the exposition', () => {
  let server: Server;
  let prometheus: ChildProcess;
  let dir: string;
  let promPort: number;
  const accepts: string[] = [];

  beforeAll(async () => {
    const view = busyView();
    server = createServer((req, res) => {
      const accept = req.headers.accept ?? null;
      accepts.push(accept ?? '');
      const format = negotiateMetricsFormat(accept, null);
      const body = format === 'openmetrics' ? renderOpenMetrics(view) : renderPrometheus(view);
      res.writeHead(200, { 'content-type': metricsContentType(format) }).end(body);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const target = `127.0.0.1:${(server.address() as AddressInfo).port}`;
    dir = mkdtempSync(join(tmpdir(), 'telltale-prom-'));
    writeFileSync(
      join(dir, 'prometheus.yml'),
      `global:\n  scrape_interval: 1s\nscrape_configs:\n  - job_name: telltale\n    static_configs:\n      - targets: ['${target}']\n`,
    );
    promPort = await freePort();
    prometheus = spawn(
      '/usr/bin/prometheus',
      [
        `--config.file=${join(dir, 'prometheus.yml')}`,
        `--storage.tsdb.path=${join(dir, 'data')}`,
        `--web.listen-address=127.0.0.1:${promPort}`,
        '--log.level=warn',
      ],
      { stdio: 'ignore' },
    );
  });

  afterAll(async () => {
    prometheus?.kill('SIGTERM');
    await new Promise<void>((resolve) => server?.close(() => resolve()));
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  async function query<T>(path: string): Promise<T | null> {
    try {
      const res = await fetch(`http://127.0.0.1:${promPort}${path}`);
      return res.ok ? ((await res.json()) as T) : null;
    } catch {
      return null;
    }
  }

  it('negotiates OpenMetrics and ingests every sample without a scrape error', async () => {
    type Targets = { data: { activeTargets: { health: string; lastError: string }[] } };
    type Vector = { data: { result: { value: [number, string] }[] } };
    const deadline = Date.now() + 20_000;
    let target: { health: string; lastError: string } | undefined;
    while (Date.now() < deadline) {
      target = (await query<Targets>('/api/v1/targets'))?.data.activeTargets[0];
      if (target && target.health !== 'unknown') break;
      await new Promise((r) => setTimeout(r, 250));
    }
    expect(target).toEqual(expect.objectContaining({ health: 'up', lastError: '' }));
    expect(accepts[0]).toMatch(/^application\/openmetrics-text/);

    const count = await query<Vector>(
      `/api/v1/query?query=${encodeURIComponent('sum(telltale_event_handler_duration_seconds_count)')}`,
    );
    expect(count?.data.result[0]?.value[1]).toBe('4500');
    const series = await query<{ data: Record<string, string>[] }>(
      `/api/v1/series?${encodeURIComponent('match[]')}=telltale_events_received_total`,
    );
    expect(series?.data.map((labels) => labels.type)).toContain(NASTY);
  }, 30_000);
});
