import type { CommandEnvelope } from '../schema/command.ts';

/**
 * What a signature covers: every field of the envelope but `sig` and `target` (the store picks the
 * target in the same round trip as the publish, after the edge signed).
 */
export type SignedFields = Omit<CommandEnvelope, 'target' | 'sig'>;

/** Shortest COMMAND_SIGNING_KEY accepted: 32 characters, for an HMAC-SHA256 key of 256 bits. */
export const SIGNING_KEY_MIN_LENGTH = 32;

/**
 * The exact text the edge signs and a node verifies: the signed fields as JSON with object keys
 * sorted at every depth (RFC 8785 style), so both sides hash the same bytes whatever order the
 * fields arrived in.
 */
export function canonicalEnvelope(envelope: SignedFields): string {
  const { id, cluster, actor, issuedAt, expiresAt, command } = envelope;
  return canonicalJson({ id, cluster, actor, issuedAt, expiresAt, command });
}

function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map((item) => canonicalJson(item ?? null)).join(',')}]`;
  if (typeof value === 'object' && value !== null) {
    const fields = Object.keys(value)
      .filter((key) => (value as Record<string, unknown>)[key] !== undefined)
      .sort()
      .map((key) => `${JSON.stringify(key)}:${canonicalJson((value as Record<string, unknown>)[key])}`);
    return `{${fields.join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

/** Signs and verifies envelopes with one shared key, over Web Crypto (Node and Workers alike). */
export interface CommandSigner {
  /** The `sig` for an envelope: HMAC-SHA256 of its canonical form, base64url. */
  sign(envelope: SignedFields): Promise<string>;
  /** Whether `sig` is this key's signature of the envelope (compared in constant time by Web Crypto). */
  verify(envelope: SignedFields & { sig?: string | undefined }): Promise<boolean>;
}

export function commandSigner(secret: string): CommandSigner {
  if (secret.length < SIGNING_KEY_MIN_LENGTH) {
    throw new Error(
      `the command signing key (COMMAND_SIGNING_KEY) must be at least ${SIGNING_KEY_MIN_LENGTH} characters long`,
    );
  }
  const encoder = new TextEncoder();
  const key = crypto.subtle.importKey(
    'raw',
    encoder.encode(secret),
    { name: 'HMAC', hash: 'SHA-256' },
    false,
    ['sign', 'verify'],
  );
  return {
    async sign(envelope) {
      const mac = await crypto.subtle.sign('HMAC', await key, encoder.encode(canonicalEnvelope(envelope)));
      return toBase64Url(new Uint8Array(mac));
    },
    async verify(envelope) {
      const mac = envelope.sig === undefined ? null : fromBase64Url(envelope.sig);
      if (!mac) return false;
      return crypto.subtle.verify('HMAC', await key, mac, encoder.encode(canonicalEnvelope(envelope)));
    },
  };
}

function toBase64Url(bytes: Uint8Array): string {
  let binary = '';
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

function fromBase64Url(text: string): Uint8Array<ArrayBuffer> | null {
  if (!/^[A-Za-z0-9_-]*$/.test(text)) return null;
  try {
    const binary = atob(text.replace(/-/g, '+').replace(/_/g, '/'));
    const bytes = new Uint8Array(binary.length);
    for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
    return bytes;
  } catch {
    return null;
  }
}
