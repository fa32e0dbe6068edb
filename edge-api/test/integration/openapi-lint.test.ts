/** `redocly lint` (recommended rules, edge-api/redocly.yaml) on the document the edge serves. */
import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { makeEdge } from '../harness.ts';

const REDOCLY = join(import.meta.dirname, '../../node_modules/.bin/redocly');
const CONFIG = join(import.meta.dirname, '../../redocly.yaml');

describe('/openapi.json under redocly lint', () => {
  it('has no errors and no warnings', async () => {
    const edge = makeEdge();
    const doc = await (await edge.app.request('/openapi.json')).json();
    await edge.stop();
    const file = join(mkdtempSync(join(tmpdir(), 'telltale-openapi-')), 'openapi.json');
    writeFileSync(file, JSON.stringify(doc));
    const run = await promisify(execFile)(REDOCLY, ['lint', file, '--config', CONFIG, '--format', 'json'], {
      timeout: 60_000,
      env: { ...process.env, REDOCLY_TELEMETRY: 'off', REDOCLY_SUPPRESS_UPDATE_NOTICE: 'true' },
    }).catch((err: { stdout?: string; stderr?: string }) => ({
      stdout: err.stdout ?? '',
      stderr: err.stderr ?? '',
    }));
    const report = JSON.parse(run.stdout) as { totals: Record<string, number>; problems: unknown[] };
    expect(report.problems).toEqual([]);
    expect(report.totals).toMatchObject({ errors: 0, warnings: 0 });
  });
});
