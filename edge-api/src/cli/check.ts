import { type CheckOutcome, evaluateProbe } from './evaluate.ts';
import type { CheckOptions } from './options.ts';
import { healthUrl, probeHealth } from './probe.ts';

/** Probe the edge's /health once and judge the answer against the thresholds. */
export async function runCheck(options: CheckOptions): Promise<CheckOutcome> {
  const probe = await probeHealth({ url: options.url, timeoutMs: options.timeoutMs, token: options.token });
  return evaluateProbe(probe, options, healthUrl(options.url));
}
