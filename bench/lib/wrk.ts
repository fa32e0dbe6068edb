import { execFile } from 'node:child_process';

export interface WrkResult {
  requestsPerSec: number;
  requests: number;
  /** Latency percentiles in ms (wrk --latency). */
  p50Ms: number;
  p99Ms: number;
  /** Non-2xx/3xx responses plus socket errors; a run with any is not a fair comparison. */
  errors: number;
}

const UNIT_MS: Record<string, number> = { us: 0.001, ms: 1, s: 1000, m: 60_000 };

function duration(text: string | undefined): number {
  const match = /^([\d.]+)(us|ms|s|m)$/.exec(text ?? '');
  return match ? Number(match[1]) * (UNIT_MS[match[2] ?? ''] ?? Number.NaN) : Number.NaN;
}

/** Reads wrk's text report. */
export function parseWrk(output: string): WrkResult {
  const rps = /Requests\/sec:\s+([\d.]+)/.exec(output);
  if (!rps) throw new Error(`wrk printed no Requests/sec line:\n${output}`);
  const requests = /(\d+) requests in/.exec(output);
  const non2xx = /Non-2xx or 3xx responses:\s+(\d+)/.exec(output);
  const socketErrors = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(output);
  const socketErrorCount = socketErrors ? socketErrors.slice(1).reduce((a, b) => a + Number(b), 0) : 0;
  return {
    requestsPerSec: Number(rps[1]),
    requests: Number(requests?.[1] ?? Number.NaN),
    p50Ms: duration(/^\s+50%\s+(\S+)/m.exec(output)?.[1]),
    p99Ms: duration(/^\s+99%\s+(\S+)/m.exec(output)?.[1]),
    errors: Number(non2xx?.[1] ?? 0) + socketErrorCount,
  };
}

export interface WrkOptions {
  url: string;
  threads: number;
  connections: number;
  durationSec: number;
  headers?: Record<string, string>;
  /** A `taskset -c` CPU list for wrk. */
  cpus?: string | null;
}

/** Runs /usr/bin/wrk once and parses its report. */
export function runWrk(options: WrkOptions): Promise<WrkResult> {
  const args = [
    `-t${options.threads}`,
    `-c${options.connections}`,
    `-d${options.durationSec}s`,
    '--latency',
    ...Object.entries(options.headers ?? {}).flatMap(([k, v]) => ['-H', `${k}: ${v}`]),
    options.url,
  ];
  const [command, argv] = options.cpus ? ['taskset', ['-c', options.cpus, 'wrk', ...args]] : ['wrk', args];
  return new Promise((resolve, reject) => {
    execFile(command, argv, { timeout: (options.durationSec + 30) * 1000 }, (error, stdout, stderr) => {
      if (error) reject(new Error(`wrk ${args.join(' ')} failed: ${error.message}\n${stderr}`));
      else {
        try {
          resolve(parseWrk(stdout));
        } catch (parseError) {
          reject(parseError);
        }
      }
    });
  });
}
