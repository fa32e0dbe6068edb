import { createRemoteJWKSet, decodeProtectedHeader, errors, type JWTPayload, jwtVerify } from 'jose';
import { jwtTimeProblem } from './claims.ts';

export type { JWTPayload } from 'jose';

/** The keys a Telltale JWT may be checked with; each pins its own algorithms. */
export interface JwtKeys {
  /** A shared secret: HS256 tokens only. */
  secret?: string | undefined;
  /** A JSON Web Key Set URL: RS256 and ES256 tokens only. */
  jwksUrl?: string | undefined;
}

const SECRET_ALGORITHMS = ['HS256'];
const JWKS_ALGORITHMS = ['RS256', 'ES256'];

/** Why a token was refused; each side words it for its own clients. */
export type JwtFailure =
  /** The protected header does not decode. */
  | 'not-a-jwt'
  /** The header's `alg` is not one the configured keys accept (`alg` says which it was). */
  | 'algorithm'
  | 'expired'
  /** No `exp`, or an `iat` too far ahead (the message says which). */
  | 'time'
  /** The signature does not verify, or no key in the set matches. */
  | 'bad-signature'
  /** A claim jose checks (e.g. `nbf`) is invalid (`claim` and `reason` say which and why). */
  | 'claims'
  /** Any other structural problem jose found. */
  | 'malformed'
  /** Not a token problem: e.g. the key set could not be fetched. */
  | 'unverifiable';

export class JwtRejection extends Error {
  constructor(
    readonly failure: JwtFailure,
    message: string,
    readonly details: { alg?: unknown; claim?: string; reason?: string; cause?: unknown } = {},
  ) {
    super(message, { cause: details.cause });
    this.name = 'JwtRejection';
  }
}

export interface JwtVerifier {
  /** Every algorithm some configured key accepts. */
  readonly algorithms: readonly string[];
  /** The verified payload, or a `JwtRejection`. */
  verify(token: string): Promise<JWTPayload>;
}

/**
 * The one JWT check of the edge (admin) and the socket nodes (handshake). The algorithm is pinned
 * per key, never chosen by the token; `exp` is required and `iat` may be at most 60 s ahead of
 * `now`. Null when no key is configured.
 */
export function createJwtVerifier(keys: JwtKeys, now: () => number = Date.now): JwtVerifier | null {
  const secret = keys.secret ? new TextEncoder().encode(keys.secret) : null;
  const jwks = keys.jwksUrl ? createRemoteJWKSet(new URL(keys.jwksUrl)) : null;
  if (!secret && !jwks) return null;
  const algorithms = [...(secret ? SECRET_ALGORITHMS : []), ...(jwks ? JWKS_ALGORITHMS : [])];

  async function verify(token: string): Promise<JWTPayload> {
    let alg: unknown;
    try {
      alg = decodeProtectedHeader(token).alg;
    } catch (cause) {
      throw new JwtRejection('not-a-jwt', 'token is not a well-formed JWT', { cause });
    }
    let payload: JWTPayload;
    try {
      if (secret && typeof alg === 'string' && SECRET_ALGORITHMS.includes(alg)) {
        payload = (await jwtVerify(token, secret, { algorithms: SECRET_ALGORITHMS })).payload;
      } else if (jwks && typeof alg === 'string' && JWKS_ALGORITHMS.includes(alg)) {
        payload = (await jwtVerify(token, jwks, { algorithms: JWKS_ALGORITHMS })).payload;
      } else {
        throw new JwtRejection('algorithm', `token algorithm '${alg ?? 'none'}' is not accepted`, { alg });
      }
    } catch (error) {
      throw rejectionFor(error);
    }
    const timeProblem = jwtTimeProblem(payload, now());
    if (timeProblem) throw new JwtRejection('time', timeProblem);
    return payload;
  }

  return { algorithms, verify };
}

function rejectionFor(error: unknown): JwtRejection {
  if (error instanceof JwtRejection) return error;
  const message = error instanceof Error ? error.message : String(error);
  const details = { cause: error };
  if (error instanceof errors.JWTExpired) return new JwtRejection('expired', message, details);
  if (error instanceof errors.JWSSignatureVerificationFailed || error instanceof errors.JWKSNoMatchingKey) {
    return new JwtRejection('bad-signature', message, details);
  }
  if (error instanceof errors.JOSEAlgNotAllowed) return new JwtRejection('algorithm', message, details);
  if (error instanceof errors.JWTClaimValidationFailed) {
    return new JwtRejection('claims', message, { ...details, claim: error.claim, reason: error.reason });
  }
  if (error instanceof errors.JOSEError) return new JwtRejection('malformed', message, details);
  return new JwtRejection('unverifiable', message, details);
}
