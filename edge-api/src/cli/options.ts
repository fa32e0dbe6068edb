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

export const USAGE = `Usage: telltale <command> [options]

Commands:
  serve                run the edge API on Node (cluster-wide /health, /metrics, /admin, dashboard)
  check                check a running edge's GET /health, for CI and monitoring (Nagios exit codes)

Options:
  -h, --help           show this help (\`telltale <command> --help\` for a command's options)
  -v, --version        print the version

Run \`telltale <command> --help\` for the options of a command.
`;

export const CHECK_USAGE = `Usage: telltale check --url <edge base URL> [options]

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

export const SERVE_USAGE = `Usage: telltale serve [--port <port>] [--host <address>]

Runs the Telltale edge API on Node: it reads every socket node's snapshot from Redis each tick and
serves /health, /metrics, /admin/*, the live feeds and the dashboard. SIGTERM or SIGINT stops it
gracefully (exit 0).

Options:
  --port <port>        port to listen on (default: PORT, else 8787)
  --host <address>     interface to listen on (default: HOST, else 0.0.0.0)
  -h, --help           show this help

Configuration comes from the environment (a bad value stops it with one line per problem):
  REDIS_URL            redis:// or rediss:// URL; unset = an in-memory store (one process, for trying it)
  REDIS_CLUSTER_NODES  Redis Cluster seeds instead: host:port,host:port,… (credentials/TLS as redis[s]:// entries)
  CLUSTER_ID           cluster id, the Redis hash tag (default 'default')
  ADMIN_TOKEN          admin bearer token (>= 16 chars); or JWT_SECRET / JWT_JWKS_URL for admin JWTs
  METRICS_TOKEN        when set, /metrics needs it
  FLUSH_INTERVAL_MS, TICK_INTERVAL_MS, EXPECTED_NODES, COMMAND_TIMEOUT_MS, ALERT_WEBHOOK_URL, CORS_ORIGINS
                       see the README's configuration table
`;

export type ParsedCommand =
  | { kind: 'check'; options: CheckOptions }
  | { kind: 'serve'; env: { PORT?: string; HOST?: string } }
  | { kind: 'help'; usage: string }
  | { kind: 'version' }
  | { kind: 'usage-error'; message: string; usage: string };

const port = z
  .string()
  .regex(/^\d+$/, { error: (issue) => `--port must be a port number: got '${String(issue.input)}'` })
  .refine((value) => Number(value) > 0 && Number(value) < 65_536, { error: '--port must be 1–65535' });

/** argv without the node and script entries; `env` supplies TELLTALE_TOKEN so tokens stay out of `ps`. */
export function parseCommand(argv: string[], env: Record<string, string | undefined> = {}): ParsedCommand {
  const [command, ...rest] = argv;
  if (command === 'check') return parseCheck(rest, env);
  if (command === 'serve') return parseServe(rest);
  if (command === '--version' || command === '-v') return { kind: 'version' };
  if (command === '--help' || command === '-h') return { kind: 'help', usage: USAGE };
  if (command === undefined) return usageError('missing command: expected `serve` or `check`', USAGE);
  return usageError(`unknown command '${command}': expected \`serve\` or \`check\``, USAGE);
}

function usageError(message: string, usage: string): ParsedCommand {
  return { kind: 'usage-error', message, usage };
}

function parseCheck(argv: string[], env: Record<string, string | undefined>): ParsedCommand {
  let values: ReturnType<typeof parseCheckArgs>['values'];
  let positionals: string[];
  try {
    ({ values, positionals } = parseCheckArgs(argv));
  } catch (error) {
    return usageError(error instanceof Error ? error.message : String(error), CHECK_USAGE);
  }
  if (values.help) return { kind: 'help', usage: CHECK_USAGE };
  if (positionals.length > 0) return usageError(`unexpected argument '${positionals[0]}'`, CHECK_USAGE);
  if (values.url === undefined) return usageError('--url is required', CHECK_USAGE);

  const result = CheckOptions.safeParse({
    url: values.url,
    format: values.format ?? DEFAULTS.format,
    warningMs: values.warning ?? DEFAULTS.warning,
    criticalMs: values.critical ?? DEFAULTS.critical,
    timeoutMs: values.timeout ?? DEFAULTS.timeout,
    token: values.token ?? (env.TELLTALE_TOKEN || undefined),
  });
  if (!result.success) {
    return usageError(result.error.issues.map((issue) => issue.message).join('; '), CHECK_USAGE);
  }
  return { kind: 'check', options: result.data };
}

function parseServe(argv: string[]): ParsedCommand {
  let values: { port?: string; host?: string; help?: boolean };
  let positionals: string[];
  try {
    ({ values, positionals } = parseArgs({
      args: argv,
      allowPositionals: true,
      strict: true,
      options: { port: { type: 'string' }, host: { type: 'string' }, help: { type: 'boolean', short: 'h' } },
    }));
  } catch (error) {
    return usageError(error instanceof Error ? error.message : String(error), SERVE_USAGE);
  }
  if (values.help) return { kind: 'help', usage: SERVE_USAGE };
  if (positionals.length > 0) return usageError(`unexpected argument '${positionals[0]}'`, SERVE_USAGE);
  const overrides: { PORT?: string; HOST?: string } = {};
  if (values.port !== undefined) {
    const parsed = port.safeParse(values.port);
    if (!parsed.success) return usageError(parsed.error.issues[0]?.message ?? 'bad --port', SERVE_USAGE);
    overrides.PORT = parsed.data;
  }
  if (values.host !== undefined) overrides.HOST = values.host;
  return { kind: 'serve', env: overrides };
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
