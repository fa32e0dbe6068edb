import { z } from 'zod';
import { timings } from '../commands/timings.ts';

/** Env values arrive as strings; these helpers turn them into typed values with operator-grade messages. */
const intFrom = (name: string, min: number, max: number) =>
  z
    .string()
    .trim()
    .refine((s) => /^\d+$/.test(s) && Number(s) >= min && Number(s) <= max, {
      error: (issue) => `${name} must be an integer between ${min} and ${max}: got '${String(issue.input)}'`,
    })
    .transform(Number);

const isUrl = (s: string, protocols: string[]) => {
  try {
    return protocols.includes(new URL(s).protocol);
  } catch {
    return false;
  }
};

const urlFrom = (name: string, protocols: string[]) =>
  z
    .string()
    .trim()
    .refine((s) => isUrl(s, protocols), {
      error: (issue) =>
        `${name} is not a valid ${protocols.map((p) => `${p}//`).join(' or ')} URL: got '${String(issue.input)}'`,
    });

/** One URL or several, comma-separated. */
const urlListFrom = (name: string, protocols: string[]) =>
  z
    .string()
    .transform((s) =>
      s
        .split(',')
        .map((part) => part.trim())
        .filter((part) => part !== ''),
    )
    .superRefine((urls, ctx) => {
      const bad = urls.find((url) => !isUrl(url, protocols));
      if (bad !== undefined || urls.length === 0) {
        ctx.addIssue({
          code: 'custom',
          message: `${name} must be one or more comma-separated ${protocols.map((p) => `${p}//`).join(' or ')} URLs: got '${bad ?? ''}'`,
        });
      }
    });

const idFrom = (name: string) =>
  z
    .string()
    .trim()
    .regex(/^[\w.-]{1,100}$/, {
      error: (issue) =>
        `${name} may only contain letters, digits, . _ and - (1-100 chars): got '${String(issue.input)}'`,
    });

const secretFrom = (name: string, minLength: number) =>
  z
    .string()
    .refine((s) => s.length >= minLength, { error: `${name} must be at least ${minLength} characters long` });

/** Histogram bounds in seconds, comma separated, strictly ascending (`+Inf` is always added). */
const secondsListFrom = (name: string) =>
  z
    .string()
    .trim()
    .refine(
      (s) => {
        const bounds = s.split(',').map((part) => (part.trim() === '' ? Number.NaN : Number(part)));
        return bounds.every((b, i) => Number.isFinite(b) && b > 0 && (i === 0 || b > bounds[i - 1]!));
      },
      {
        error: (issue) =>
          `${name} must be positive seconds, comma separated and ascending (e.g. 0.01,0.05,0.1,0.5,1): got '${String(issue.input)}'`,
      },
    )
    .transform((s) => s.split(',').map(Number));

/** `<burst>/<per second>`, e.g. `20/5`: a token bucket of 20 that refills 5 a second. */
const bucketFrom = (name: string) =>
  z
    .string()
    .trim()
    .regex(/^\d{1,7}\/\d{1,7}(\.\d+)?$/, {
      error: (issue) => `${name} must be <burst>/<per second>, e.g. 20/5: got '${String(issue.input)}'`,
    })
    .transform((s) => {
      const [capacity, refill] = s.split('/');
      return { capacity: Number(capacity), refillPerSecond: Number(refill) };
    })
    .refine((b) => b.capacity >= 1 && b.refillPerSecond > 0, {
      error: `${name} needs a burst of at least 1 and a refill above 0`,
    });

/** STATUS_LINKS: `Label=https://url` pairs, comma separated; at most 8, labels at most 40 characters. */
const statusLinksFrom = (name: string) =>
  z
    .string()
    .transform((s) =>
      s
        .split(',')
        .map((part) => part.trim())
        .filter((part) => part !== ''),
    )
    .transform((parts, ctx) => {
      const links: { label: string; url: string }[] = [];
      for (const part of parts) {
        const at = part.indexOf('=');
        const label = at > 0 ? part.slice(0, at).trim() : '';
        const url = at > 0 ? part.slice(at + 1).trim() : '';
        if (!label || label.length > 40 || !isUrl(url, ['https:', 'http:'])) {
          ctx.addIssue({
            code: 'custom',
            message: `${name} must be Label=https://url pairs, comma separated (labels 1-40 chars): got '${part}'`,
          });
          return z.NEVER;
        }
        links.push({ label, url });
      }
      if (links.length > 8) {
        ctx.addIssue({ code: 'custom', message: `${name} has ${links.length} links; at most 8` });
        return z.NEVER;
      }
      return links;
    });

/** SLO_TARGET: the fraction of good ticks promised, from 0.5 to 0.99999 (e.g. 0.999). */
const sloTargetFrom = (name: string) =>
  z
    .string()
    .trim()
    .refine((s) => /^0?\.\d{1,5}$/.test(s) && Number(s) >= 0.5 && Number(s) <= 0.99999, {
      error: (issue) =>
        `${name} must be a fraction from 0.5 to 0.99999 (e.g. 0.999): got '${String(issue.input)}'`,
    })
    .transform(Number);

/** SLO_WINDOW: `<days>d` or `<hours>h`, from 1h to 90d (the longest the SLO series holds). */
const sloWindowFrom = (name: string) =>
  z
    .string()
    .trim()
    .refine(
      (s) => {
        const m = /^(\d{1,4})([dh])$/.exec(s);
        const ms = m ? Number(m[1]) * (m[2] === 'd' ? 86_400_000 : 3_600_000) : 0;
        return ms >= 3_600_000 && ms <= 90 * 86_400_000;
      },
      {
        error: (issue) =>
          `${name} must be <days>d or <hours>h, from 1h to 90d (e.g. 30d): got '${String(issue.input)}'`,
      },
    )
    .transform((s) => Number(s.slice(0, -1)) * (s.endsWith('d') ? 86_400_000 : 3_600_000));

/** Comma-separated IP addresses (v4 or v6), at most 100. */
const addressListFrom = (name: string) =>
  z
    .string()
    .transform((s) =>
      s
        .split(',')
        .map((part) => part.trim())
        .filter((part) => part !== ''),
    )
    .pipe(
      z
        .array(
          z.union([z.ipv4(), z.ipv6()], {
            error: (issue) => `${name} must be comma-separated IP addresses: got '${String(issue.input)}'`,
          }),
        )
        .max(100, `${name} lists at most 100 addresses`),
    );

const common = {
  CLUSTER_ID: idFrom('CLUSTER_ID').default('default'),
  REDIS_URL: urlFrom('REDIS_URL', ['redis:', 'rediss:']).optional(),
  FLUSH_INTERVAL_MS: intFrom('FLUSH_INTERVAL_MS', 100, 600_000).default(5000),
  JWT_SECRET: secretFrom('JWT_SECRET', 16).optional(),
  JWT_JWKS_URL: urlFrom('JWT_JWKS_URL', ['https:', 'http:']).optional(),
  /** Shared by the edge (signs commands) and every node (refuses commands not signed with it). */
  COMMAND_SIGNING_KEY: secretFrom('COMMAND_SIGNING_KEY', 32).optional(),
};

export const SocketNodeConfig = z.object({
  ...common,
  PORT: intFrom('PORT', 0, 65535).default(8001),
  NODE_ID: idFrom('NODE_ID').optional(),
  SHUTDOWN_TIMEOUT_MS: intFrom('SHUTDOWN_TIMEOUT_MS', 0, 120_000).default(10_000),
  /** How far the edge's clock may differ from this node's when it checks a command's issue and expiry. */
  COMMAND_CLOCK_SKEW_MS: intFrom('COMMAND_CLOCK_SKEW_MS', 0, 60_000).default(timings.clockSkewMs),
  /** Reverse proxies whose X-Forwarded-For a socket's detail believes: comma-separated IP addresses. */
  TRUSTED_PROXIES: addressListFrom('TRUSTED_PROXIES').optional(),
});
export type SocketNodeConfig = z.infer<typeof SocketNodeConfig>;

export const EdgeConfig = z.object({
  ...common,
  PORT: intFrom('PORT', 0, 65535).default(8787),
  UPSTASH_REDIS_REST_URL: urlFrom('UPSTASH_REDIS_REST_URL', ['https:', 'http:']).optional(),
  UPSTASH_REDIS_REST_TOKEN: z.string().min(1).optional(),
  ADMIN_TOKEN: secretFrom('ADMIN_TOKEN', 16).optional(),
  /** Empty or unset: /metrics is public. Set: /metrics needs this bearer token (or the admin one). */
  METRICS_TOKEN: secretFrom('METRICS_TOKEN', 16).optional(),
  /** A read-only bearer token: every admin read and the dashboard, no command. */
  VIEWER_TOKEN: secretFrom('VIEWER_TOKEN', 16).optional(),
  TICK_INTERVAL_MS: intFrom('TICK_INTERVAL_MS', 100, 600_000).optional(),
  EXPECTED_NODES: intFrom('EXPECTED_NODES', 0, 100_000).default(1),
  ALERT_WEBHOOK_URL: urlFrom('ALERT_WEBHOOK_URL', ['https:', 'http:']).optional(),
  /** Alertmanager base URLs; alerts go to `<url>/api/v2/alerts` on each. */
  ALERTMANAGER_URL: urlListFrom('ALERTMANAGER_URL', ['https:', 'http:']).optional(),
  /** Where people reach this edge (https://telltale.example.com); every link the edge emits starts here. */
  PUBLIC_URL: urlFrom('PUBLIC_URL', ['https:', 'http:'])
    .transform((s) => s.replace(/\/+$/, ''))
    .optional(),
  /** How long the edge waits for acks; also how long a command stays valid on the nodes. */
  COMMAND_TIMEOUT_MS: intFrom(
    'COMMAND_TIMEOUT_MS',
    timings.commandTimeout.minMs,
    timings.commandTimeout.maxMs,
  ).default(timings.commandTimeout.defaultMs),
  CORS_ORIGINS: z.string().optional(),
  /** Admin mutations per actor (admin token or JWT sub); default 20/5. */
  ADMIN_RATE_LIMIT: bucketFrom('ADMIN_RATE_LIMIT').optional(),
  /** Admin mutations per client address, whatever the credential; default 40/10. */
  ADMIN_CLIENT_RATE_LIMIT: bucketFrom('ADMIN_CLIENT_RATE_LIMIT').optional(),
  /** Bounds of the latency histogram on /metrics; default LATENCY_BUCKETS_SECONDS of the exposition. */
  LATENCY_BUCKETS: secondsListFrom('LATENCY_BUCKETS').optional(),
  /** The availability SLO: the fraction of good ticks promised over SLO_WINDOW. */
  SLO_TARGET: sloTargetFrom('SLO_TARGET').default(0.999),
  /** Over how long the SLO and its error budget are counted, in ms (from `30d`, `720h`). */
  SLO_WINDOW: sloWindowFrom('SLO_WINDOW').default(30 * 86_400_000),
  /** The public status page's heading and <title>. */
  STATUS_TITLE: z.string().trim().max(80, 'STATUS_TITLE is at most 80 characters').optional(),
  /** An image shown next to the title (https:, or http: for a local setup). */
  STATUS_LOGO_URL: urlFrom('STATUS_LOGO_URL', ['https:', 'http:']).optional(),
  STATUS_LINKS: statusLinksFrom('STATUS_LINKS').optional(),
  /** `warn` this long opens an incident too; unset: only `fail` opens one. */
  STATUS_WARN_INCIDENT_MS: intFrom('STATUS_WARN_INCIDENT_MS', 1000, 7 * 24 * 3_600_000).optional(),
});
export type EdgeConfig = z.infer<typeof EdgeConfig>;

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

/**
 * Validate env against a config schema. Empty strings count as unset, so `FOO=` in a .env file
 * falls back to the default. Throws ConfigError listing every bad value at once.
 */
export function parseConfig<S extends z.ZodType>(
  schema: S,
  env: Record<string, string | undefined>,
): z.infer<S> {
  const cleaned: Record<string, string> = {};
  for (const [key, value] of Object.entries(env))
    if (value !== undefined && value !== '') cleaned[key] = value;
  const parsed = schema.safeParse(cleaned);
  if (!parsed.success) {
    throw new ConfigError(
      parsed.error.issues.map((issue) => {
        const key = issue.path.join('.');
        return issue.message.startsWith(key) ? issue.message : `${key}: ${issue.message}`;
      }),
    );
  }
  return parsed.data;
}
