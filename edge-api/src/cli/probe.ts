import { HealthReport } from '@telltale/shared';

/** What one GET /health produced, before any judgement about it. */
export type Probe =
  | { kind: 'report'; httpStatus: number; elapsedMs: number; report: HealthReport }
  | { kind: 'not-a-report'; httpStatus: number; elapsedMs: number; contentType: string; reason: string }
  | { kind: 'timeout'; timeoutMs: number }
  | { kind: 'tls'; reason: string }
  | { kind: 'unreachable'; reason: string };

export interface ProbeRequest {
  url: string;
  timeoutMs: number;
  token?: string | undefined;
}

const TLS_CODES = new Set([
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'ERR_TLS_CERT_ALTNAME_INVALID',
  'EPROTO',
]);

const UNREACHABLE_HINTS: Record<string, string> = {
  ECONNREFUSED: 'connection refused (nothing listening there?)',
  ENOTFOUND: 'host name not found in DNS',
  EAI_AGAIN: 'DNS lookup failed temporarily',
  EHOSTUNREACH: 'host unreachable',
  ENETUNREACH: 'network unreachable',
  ECONNRESET: 'connection reset by peer',
  UND_ERR_SOCKET: 'connection closed by the server',
};

export function healthUrl(base: string): string {
  const url = new URL(base);
  url.pathname = `${url.pathname.replace(/\/+$/, '')}/health`;
  url.search = '';
  return url.toString();
}

export async function probeHealth(request: ProbeRequest): Promise<Probe> {
  const target = healthUrl(request.url);
  const headers: Record<string, string> = { accept: 'application/health+json, application/json' };
  if (request.token) headers.authorization = `Bearer ${request.token}`;
  const started = performance.now();
  const signal = AbortSignal.timeout(request.timeoutMs);
  try {
    const response = await fetch(target, { headers, signal, redirect: 'follow' });
    const body = await response.text();
    const elapsedMs = performance.now() - started;
    return readReport(response, body, elapsedMs);
  } catch (error) {
    return classifyFailure(error, request.timeoutMs);
  }
}

function readReport(response: Response, body: string, elapsedMs: number): Probe {
  const httpStatus = response.status;
  const contentType = response.headers.get('content-type') ?? '(none)';
  const notReport = (reason: string): Probe => ({
    kind: 'not-a-report',
    httpStatus,
    elapsedMs,
    contentType,
    reason,
  });
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch {
    return notReport(`answer is not JSON (content-type ${contentType}): ${excerpt(body)}`);
  }
  const parsed = HealthReport.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue?.path.length ? issue.path.join('.') : 'body';
    return notReport(`JSON is not a health report (${where}: ${issue?.message ?? 'invalid'})`);
  }
  return { kind: 'report', httpStatus, elapsedMs, report: parsed.data };
}

function classifyFailure(error: unknown, timeoutMs: number): Probe {
  if (error instanceof DOMException && (error.name === 'TimeoutError' || error.name === 'AbortError')) {
    return { kind: 'timeout', timeoutMs };
  }
  const cause = error instanceof Error ? error.cause : undefined;
  const code = errorCode(cause);
  const message =
    cause instanceof Error ? cause.message : error instanceof Error ? error.message : String(error);
  if (code && (TLS_CODES.has(code) || code.startsWith('ERR_SSL') || code.startsWith('ERR_TLS'))) {
    return { kind: 'tls', reason: describeTlsFailure(code, message) };
  }
  if (message === 'bad port') {
    return { kind: 'unreachable', reason: "that port is on the fetch standard's list of blocked ports" };
  }
  if (code && code in UNREACHABLE_HINTS)
    return { kind: 'unreachable', reason: `${code}, ${UNREACHABLE_HINTS[code]}` };
  return { kind: 'unreachable', reason: code ? `${code}: ${message}` : message };
}

function describeTlsFailure(code: string, message: string): string {
  // OpenSSL messages carry library internals; the reason is the segment after `routines:<function>:`.
  const reason = /routines:[^:]*:([^:]+)/.exec(message)?.[1] ?? message;
  const hint =
    code === 'ERR_SSL_WRONG_VERSION_NUMBER' ? ' (the server may speak plain HTTP: try http://)' : '';
  return `${code}, ${reason.trim()}${hint}`;
}

function errorCode(value: unknown): string | undefined {
  if (typeof value !== 'object' || value === null || !('code' in value)) return undefined;
  return typeof value.code === 'string' ? value.code : undefined;
}

function excerpt(body: string): string {
  const flat = body.replace(/\s+/g, ' ').trim();
  if (flat === '') return '(empty body)';
  return JSON.stringify(flat.length > 80 ? `${flat.slice(0, 80)}…` : flat);
}
