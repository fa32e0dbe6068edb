/**
 * How the admin credential reaches `/admin/ws` without being in its URL: browsers cannot set an
 * Authorization header on a WebSocket, but they do send the subprotocols they offer in the
 * `Sec-WebSocket-Protocol` header. The dashboard offers `telltale-live` and
 * `telltale-auth.<token as base64url>`; the edge reads the token from the second and answers with
 * the first (a browser closes a socket whose server picked none of its offers). Headers stay out
 * of browser consoles and proxy access logs, where `?access_token=` landed on every reconnect.
 */
export const LIVE_PROTOCOL = 'telltale-live';
const AUTH_PREFIX = 'telltale-auth.';
/** Longest token carried this way (an admin JWT is far shorter); longer offers are ignored. */
const MAX_TOKEN_LENGTH = 4096;

/** The subprotocols a client offers: `new WebSocket(url, liveProtocols(token))`. */
export function liveProtocols(token: string): [string, string] {
  return [LIVE_PROTOCOL, `${AUTH_PREFIX}${base64url(token)}`];
}

/** The bearer token a `Sec-WebSocket-Protocol` header carries; null when it carries none. */
export function tokenFromProtocols(header: string | undefined): string | null {
  if (!header) return null;
  for (const offer of header.split(',')) {
    const value = offer.trim();
    if (!value.startsWith(AUTH_PREFIX)) continue;
    const encoded = value.slice(AUTH_PREFIX.length);
    if (encoded.length === 0 || encoded.length > (MAX_TOKEN_LENGTH * 4) / 3 + 4) return null;
    return fromBase64url(encoded);
  }
  return null;
}

/** True when the client offered the live feed's protocol, so the answer may name it. */
export function offersLiveProtocol(header: string | undefined): boolean {
  return header?.split(',').some((offer) => offer.trim() === LIVE_PROTOCOL) ?? false;
}

function base64url(value: string): string {
  let binary = '';
  for (const byte of new TextEncoder().encode(value)) binary += String.fromCharCode(byte);
  return btoa(binary).replaceAll('+', '-').replaceAll('/', '_').replace(/=+$/, '');
}

function fromBase64url(encoded: string): string | null {
  if (!/^[\w-]+$/.test(encoded)) return null;
  try {
    const binary = atob(encoded.replaceAll('-', '+').replaceAll('_', '/'));
    const bytes = Uint8Array.from(binary, (c) => c.charCodeAt(0));
    return new TextDecoder('utf-8', { fatal: true, ignoreBOM: false }).decode(bytes);
  } catch {
    return null;
  }
}
