import { TAP_LIMITS } from './schema.ts';

/**
 * Keys whose values never leave the node in a tap, whatever the app allows: credentials by name
 * (matched case-insensitively anywhere in the key).
 */
export const REDACTED_KEY =
  /pass(word)?|secret|token|authori[sz]ation|cookie|session|api[-_]?key|credential|private/i;
const REDACTED = '[redacted]';

/** How much of a payload the app lets a tap see: on by `instrument({ tap: { payloads: true } })`. */
export interface PayloadPolicy {
  /** Bytes of JSON kept (at most TAP_LIMITS.maxPayloadBytes); the rest is cut with `…`. */
  maxBytes: number;
  /** More key names to redact, beyond the credentials of `REDACTED_KEY`. */
  redactKeys: readonly string[];
}

export function payloadPolicy(options: {
  payloadBytes?: number;
  redactKeys?: readonly string[];
}): PayloadPolicy {
  const maxBytes = options.payloadBytes ?? TAP_LIMITS.defaultPayloadBytes;
  if (!Number.isInteger(maxBytes) || maxBytes < 1 || maxBytes > TAP_LIMITS.maxPayloadBytes) {
    throw new TypeError(
      `tap.payloadBytes must be an integer from 1 to ${TAP_LIMITS.maxPayloadBytes}: got ${String(maxBytes)}`,
    );
  }
  return { maxBytes, redactKeys: (options.redactKeys ?? []).map((k) => k.toLowerCase()) };
}

/** An event's arguments as JSON with secrets redacted, cut to the policy's bytes. */
export function payloadPreview(
  args: readonly unknown[],
  policy: PayloadPolicy,
): { payload: string; truncated: boolean } {
  const json = safeJson(args, (key, value) =>
    key !== '' && (REDACTED_KEY.test(key) || policy.redactKeys.includes(key.toLowerCase()))
      ? REDACTED
      : value,
  );
  return cut(json, policy.maxBytes);
}

/** The size of an event's arguments as JSON (binary counted by its bytes). */
export function argumentBytes(args: readonly unknown[]): number {
  let binary = 0;
  const json = safeJson(args, (_key, value) => {
    if (value instanceof ArrayBuffer || ArrayBuffer.isView(value)) {
      binary += value.byteLength;
      return 0;
    }
    return value;
  });
  return utf8Length(json) + binary;
}

function safeJson(value: unknown, replacer: (key: string, value: unknown) => unknown): string {
  try {
    return (
      JSON.stringify(value, (key, v: unknown) => {
        // Buffer.toJSON runs before the replacer sees it: treat its shape as the binary it is.
        if (isBufferJson(v)) return replacer(key, new Uint8Array(v.data));
        return typeof v === 'bigint' ? String(v) : replacer(key, v);
      }) ?? 'null'
    );
  } catch {
    return '"[unserializable]"';
  }
}

function isBufferJson(value: unknown): value is { type: 'Buffer'; data: number[] } {
  return (
    typeof value === 'object' &&
    value !== null &&
    (value as { type?: unknown }).type === 'Buffer' &&
    Array.isArray((value as { data?: unknown }).data)
  );
}

function utf8Length(text: string): number {
  let bytes = 0;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code < 0x80) bytes += 1;
    else if (code < 0x800) bytes += 2;
    else if (code >= 0xd800 && code <= 0xdbff) {
      bytes += 4;
      i++;
    } else bytes += 3;
  }
  return bytes;
}

function cut(json: string, maxBytes: number): { payload: string; truncated: boolean } {
  if (utf8Length(json) <= maxBytes) return { payload: json, truncated: false };
  let bytes = 0;
  let end = 0;
  while (end < json.length) {
    const code = json.charCodeAt(end);
    const width = code < 0x80 ? 1 : code < 0x800 ? 2 : code >= 0xd800 && code <= 0xdbff ? 4 : 3;
    if (bytes + width > maxBytes) break;
    bytes += width;
    end += width === 4 ? 2 : 1;
  }
  return { payload: `${json.slice(0, end)}…`, truncated: true };
}
