import { appendFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Where every run's measurements accumulate, one JSON line each, for the scenario table. */
export const MEASUREMENTS_FILE =
  process.env.E2E_MEASUREMENTS_FILE ?? join(tmpdir(), 'telltale-e2e-measurements.jsonl');

/** Records a number a scenario measured: printed with the test output and appended to the file. */
export function measure(scenario: string, what: string, value: number | string): void {
  console.info(`[e2e] ${scenario}: ${what} = ${value}`);
  appendFileSync(
    MEASUREMENTS_FILE,
    `${JSON.stringify({ at: new Date().toISOString(), scenario, what, value })}\n`,
  );
}
