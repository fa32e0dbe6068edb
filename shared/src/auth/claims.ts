/**
 * Time rules every Telltale JWT must meet, on the edge (admin) and on socket nodes (handshake):
 * `exp` is required, so no token is a credential forever; `iat`, when present, may be at most
 * this far ahead of our clock (skew between the issuer's clock and ours), never a day ahead.
 */
export const JWT_MAX_CLOCK_SKEW_SEC = 60;

/** Why the token's time claims are unacceptable, or null when they are fine (`exp` itself is checked by jose). */
export function jwtTimeProblem(payload: { exp?: unknown; iat?: unknown }, nowMs: number): string | null {
  if (payload.exp === undefined) return 'token has no exp claim; Telltale JWTs must expire';
  if (payload.iat === undefined) return null;
  if (typeof payload.iat !== 'number' || !Number.isFinite(payload.iat))
    return 'token iat claim is not a number';
  const aheadSec = payload.iat - nowMs / 1000;
  if (aheadSec > JWT_MAX_CLOCK_SKEW_SEC) {
    return `token iat is ${Math.ceil(aheadSec)} s in the future; at most ${JWT_MAX_CLOCK_SKEW_SEC} s of clock skew is allowed`;
  }
  return null;
}
