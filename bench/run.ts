import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { cpus, loadavg } from 'node:os';
import { resolve } from 'node:path';
import { compact, renderSuite, type SuiteResult } from './lib/report.ts';
import { REPO_ROOT } from './lib/rpc.ts';
import { quick } from './lib/settings.ts';
import { clusterRead } from './suites/cluster-read.ts';
import { commands } from './suites/commands.ts';
import { edgeHttp } from './suites/edge-http.ts';
import { heap } from './suites/heap.ts';
import { overhead } from './suites/overhead.ts';

/** `pnpm bench [suite…] [--quick]`: runs the suites, prints their tables, writes bench/results/latest.json. */

const SUITES: Record<string, () => Promise<SuiteResult>> = {
  overhead,
  heap,
  'cluster-read': clusterRead,
  'edge-http': edgeHttp,
  commands,
};

const RESULTS = resolve(REPO_ROOT, 'bench/results/latest.json');

async function main(): Promise<void> {
  const asked = process.argv.slice(2).filter((a) => !a.startsWith('--'));
  const unknown = asked.filter((name) => !(name in SUITES));
  if (unknown.length > 0) {
    console.error(`unknown suite(s): ${unknown.join(', ')}; choose from ${Object.keys(SUITES).join(', ')}`);
    process.exit(2);
  }
  const names = asked.length > 0 ? asked : Object.keys(SUITES);
  const machine = {
    node: process.version,
    cores: cpus().length,
    cpu: cpus()[0]?.model ?? 'unknown',
    loadAverageAtStart: loadavg().map((l) => Math.round(l * 100) / 100),
  };
  console.log(
    `telltale bench: ${names.join(', ')}${quick ? ' (quick settings)' : ''} on ${machine.cores} cores, Node ${machine.node}, load ${machine.loadAverageAtStart.join(' ')}`,
  );

  const results: Record<string, unknown> = {};
  const started = Date.now();
  let failed = false;
  for (const name of names) {
    const run = SUITES[name]!;
    const suiteStarted = Date.now();
    console.log(`\n… ${name}`);
    try {
      const result = await run();
      results[name] = { ...result, seconds: (Date.now() - suiteStarted) / 1000 };
      console.log(`\n${renderSuite(result)}\n(${((Date.now() - suiteStarted) / 1000).toFixed(0)} s)`);
    } catch (error) {
      failed = true;
      const message = error instanceof Error ? (error.stack ?? error.message) : String(error);
      console.error(`suite ${name} failed: ${message}`);
      results[name] = { suite: name, error: message };
    }
  }

  const previous = await readPrevious();
  const report = {
    generatedAt: new Date().toISOString(),
    command: `pnpm bench ${process.argv.slice(2).join(' ')}`.trim(),
    quick,
    machine: { ...machine, loadAverageAtEnd: loadavg().map((l) => Math.round(l * 100) / 100) },
    seconds: (Date.now() - started) / 1000,
    // A single-suite run keeps the other suites' last results, each with its own timestamp.
    suites: { ...previous, ...stamp(results) },
  };
  await mkdir(resolve(REPO_ROOT, 'bench/results'), { recursive: true });
  await writeFile(RESULTS, `${JSON.stringify(compact(report), null, 1)}\n`);
  console.log(`\nresults: ${RESULTS} (${report.seconds.toFixed(0)} s)`);
  process.exit(failed ? 1 : 0);
}

function stamp(results: Record<string, unknown>): Record<string, unknown> {
  const at = new Date().toISOString();
  const machine = { node: process.version, cores: cpus().length, quick };
  return Object.fromEntries(
    Object.entries(results).map(([k, v]) => [k, { measuredAt: at, ...machine, ...(v as object) }]),
  );
}

async function readPrevious(): Promise<Record<string, unknown>> {
  try {
    const parsed: unknown = JSON.parse(await readFile(RESULTS, 'utf8'));
    const suites = (parsed as { suites?: unknown }).suites;
    return typeof suites === 'object' && suites !== null ? (suites as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}

await main();
