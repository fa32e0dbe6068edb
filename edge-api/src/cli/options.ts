import { parseArgs } from 'node:util';
import { z } from 'zod';

export const OutputFormat = z.enum(['nagios', 'json', 'prometheus'], {
  error: (issue) => `--format must be one of nagios, json, prometheus: got '${String(issue.input)}'`,
});
export type OutputFormat = z.infer<typeof OutputFormat>;

const millis = (flag: string) =>
  z
    .string()
    .regex(/^\d+$/, {
      error: (issue) => `${flag} must be a whole number of milliseconds: got '${String(issue.input)}'`,
    })
    .transform(Number)
    .refine((ms) => ms > 0 && ms <= 600_000, { error: `${flag} must be between 1 and 600000 ms` });

const baseUrl = z.string().refine(
  (value) => {
    try {
      return ['http:', 'https:'].includes(new URL(value).protocol);
    } catch {
      return false;
    }
  },
  { error: (issue) => `--url must be an http:// or https:// URL: got '${String(issue.input)}'` },
);

export const CheckOptions = z
  .object({
    url: baseUrl,
    format: OutputFormat,
    warningMs: millis('--warning'),
    criticalMs: millis('--critical'),
    timeoutMs: millis('--timeout'),
    token: z.string().min(1).optional(),
  })
  .refine((o) => o.warningMs <= o.criticalMs, {
    error: '--warning must not be greater than --critical',
  });
export type CheckOptions = z.infer<typeof CheckOptions>;

export const DEFAULTS = { format: 'nagios', warning: '1000', critical: '5000', timeout: '10000' } as const;

export const USAGE = `Usage: telltale check --url <edge base URL> [options]

Checks the cluster's GET /health and its response time.

Options:
  --url <url>          base URL of the Telltale edge API (required), e.g. https://edge.example.com
  --format <f>         nagios (default) | json | prometheus
  --warning <ms>       response time that makes the check WARNING (default ${DEFAULTS.warning})
  --critical <ms>      response time that makes the check CRITICAL (default ${DEFAULTS.critical})
  --timeout <ms>       give up after this long; counts as CRITICAL (default ${DEFAULTS.timeout})
  --token <token>      bearer token sent with the request (or set TELLTALE_TOKEN)
  -h, --help           show this help

Exit codes (Nagios plugin convention): 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN.
`;

export type ParsedCommand =
  | { kind: 'check'; options: CheckOptions }
  | { kind: 'help' }
  | { kind: 'usage-error'; message: string };

/** argv without the node and script entries; `env` supplies TELLTALE_TOKEN so tokens stay out of `ps`. */
export function parseCommand(argv: string[], env: Record<string, string | undefined> = {}): ParsedCommand {
  let parsed: ReturnType<typeof parseCheckArgs>;
  try {
    parsed = parseCheckArgs(argv);
  } catch (error) {
    return { kind: 'usage-error', message: error instanceof Error ? error.message : String(error) };
  }
  const { values, positionals } = parsed;
  if (values.help) return { kind: 'help' };
  const [command, ...extra] = positionals;
  if (command === undefined) return { kind: 'usage-error', message: 'missing command: expected `check`' };
  if (command !== 'check')
    return { kind: 'usage-error', message: `unknown command '${command}': expected \`check\`` };
  if (extra.length > 0) return { kind: 'usage-error', message: `unexpected argument '${extra[0]}'` };
  if (values.url === undefined) return { kind: 'usage-error', message: '--url is required' };

  const result = CheckOptions.safeParse({
    url: values.url,
    format: values.format ?? DEFAULTS.format,
    warningMs: values.warning ?? DEFAULTS.warning,
    criticalMs: values.critical ?? DEFAULTS.critical,
    timeoutMs: values.timeout ?? DEFAULTS.timeout,
    token: values.token ?? (env.TELLTALE_TOKEN || undefined),
  });
  if (!result.success) {
    return { kind: 'usage-error', message: result.error.issues.map((issue) => issue.message).join('; ') };
  }
  return { kind: 'check', options: result.data };
}

function parseCheckArgs(argv: string[]) {
  return parseArgs({
    args: argv,
    allowPositionals: true,
    strict: true,
    options: {
      url: { type: 'string' },
      format: { type: 'string' },
      warning: { type: 'string' },
      critical: { type: 'string' },
      timeout: { type: 'string' },
      token: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
}
