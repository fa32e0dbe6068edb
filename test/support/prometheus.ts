import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './redis.ts';

export interface PrometheusOptions {
  /** Job name → `host:port` targets, scraped every second at `/metrics`. */
  jobs: Record<string, string[]>;
  /** Rule files to load, evaluated every second. */
  ruleFiles?: string[];
}

export interface VectorSample {
  metric: Record<string, string>;
  value: number;
}

export interface RunningPrometheus {
  url: string;
  /** An instant query (at `timeMs`, default now); throws with Prometheus' error on a bad query. */
  query(promql: string, timeMs?: number): Promise<VectorSample[]>;
  /** GET an API path (`/api/v1/rules`, …) and return its `data`. */
  api<T>(path: string): Promise<T>;
  stop(): Promise<void>;
}

/** A private Prometheus (Debian's /usr/bin/prometheus) with 1 s scrapes and evaluations, in a temp dir. */
export async function startPrometheus(options: PrometheusOptions): Promise<RunningPrometheus> {
  const dir = mkdtempSync(join(tmpdir(), 'telltale-prometheus-'));
  const scrape = Object.entries(options.jobs)
    .map(
      ([job, targets]) =>
        `  - job_name: ${job}\n    static_configs:\n      - targets: [${targets.map((t) => `'${t}'`).join(', ')}]\n`,
    )
    .join('');
  const rules = options.ruleFiles?.length
    ? `rule_files:\n${options.ruleFiles.map((f) => `  - '${f}'\n`).join('')}`
    : '';
  const config = join(dir, 'prometheus.yml');
  writeFileSync(
    config,
    `global:\n  scrape_interval: 1s\n  scrape_timeout: 900ms\n  evaluation_interval: 1s\n${rules}scrape_configs:\n${scrape}`,
  );
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const output: string[] = [];
  const child: ChildProcess = spawn(
    '/usr/bin/prometheus',
    [
      `--config.file=${config}`,
      `--storage.tsdb.path=${join(dir, 'data')}`,
      `--web.listen-address=127.0.0.1:${port}`,
      '--log.level=warn',
    ],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  child.stderr?.on('data', (d) => output.push(String(d)));

  const api = async <T>(path: string): Promise<T> => {
    const res = await fetch(`${url}${path}`);
    const body = (await res.json()) as { status: string; data: T; error?: string };
    if (body.status !== 'success') throw new Error(`Prometheus ${path}: ${body.error ?? res.status}`);
    return body.data;
  };
  const deadline = Date.now() + 15_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`prometheus exited: ${output.join('')}`);
    const ready = await fetch(`${url}/-/ready`).then(
      (r) => r.ok,
      () => false,
    );
    if (ready) break;
    if (Date.now() > deadline) throw new Error(`prometheus not ready within 15 s: ${output.join('')}`);
    await new Promise((r) => setTimeout(r, 100));
  }

  return {
    url,
    api,
    async query(promql, timeMs) {
      const time = timeMs === undefined ? '' : `&time=${timeMs / 1000}`;
      const data = await api<{ result: { metric: Record<string, string>; value: [number, string] }[] }>(
        `/api/v1/query?query=${encodeURIComponent(promql)}${time}`,
      );
      return data.result.map((r) => ({ metric: r.metric, value: Number(r.value[1]) }));
    },
    async stop() {
      if (child.exitCode === null) {
        await new Promise<void>((resolve) => {
          child.once('exit', () => resolve());
          child.kill('SIGTERM');
        });
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
