#!/usr/bin/env node
import { createRequire } from 'node:module';
import { edgeConfigOrExit } from '../node/config.ts';
import { runEdge } from '../node/run.ts';
import { createNodeStore } from '../node/store.ts';
import { runCheck } from './check.ts';
import { NagiosState } from './evaluate.ts';
import { formatOutcome } from './format.ts';
import { parseCommand } from './options.ts';

// src/cli and dist/cli both sit two levels below the package root.
const { version } = createRequire(import.meta.url)('../../package.json') as { version: string };

const command = parseCommand(process.argv.slice(2), process.env);
switch (command.kind) {
  case 'help':
    process.stdout.write(command.usage);
    break;
  case 'version':
    process.stdout.write(`${version}\n`);
    break;
  case 'usage-error':
    process.stderr.write(`telltale: ${command.message}\n\n${command.usage}`);
    process.exitCode = NagiosState.UNKNOWN;
    break;
  case 'serve': {
    Object.assign(process.env, command.env);
    const config = edgeConfigOrExit(process.env);
    await runEdge(config, await createNodeStore(config));
    break;
  }
  case 'check':
    try {
      const outcome = await runCheck(command.options);
      process.stdout.write(formatOutcome(outcome, command.options.format, new Date()));
      process.exitCode = outcome.exitCode;
    } catch (error) {
      // A monitoring system must never read a crash as OK.
      process.stdout.write(`TELLTALE UNKNOWN - check failed unexpectedly: ${String(error)}\n`);
      process.exitCode = NagiosState.UNKNOWN;
    }
    break;
}
