import { runCheck } from './check.ts';
import { NagiosState } from './evaluate.ts';
import { formatOutcome } from './format.ts';
import { parseCommand, USAGE } from './options.ts';

const command = parseCommand(process.argv.slice(2), process.env);
switch (command.kind) {
  case 'help':
    process.stdout.write(USAGE);
    break;
  case 'usage-error':
    process.stderr.write(`telltale: ${command.message}\n\n${USAGE}`);
    process.exitCode = NagiosState.UNKNOWN;
    break;
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
