import { createJwtVerifier, JwtRejection } from '@telltale/shared/jwt';
import type { Socket } from 'socket.io';
import { z } from 'zod';
import type { JwtSettings } from '../config.ts';
import type { ConnectionRefusal } from '../instrument/admission.ts';

export const Role = z.enum(['client', 'attendant', 'admin']);
export type Role = z.infer<typeof Role>;

/** The claims a handshake token must carry; `threads` lists the threads a portal client may join. */
export const TokenClaims = z.object({
  sub: z
    .string()
    .min(1)
    .max(200)
    .regex(/^[\w.:@-]+$/, 'may only contain letters, digits and . : @ _ -'),
  role: Role,
  threads: z.array(z.string().min(1).max(200)).max(10_000).optional(),
});

export interface Principal {
  userId: string;
  role: Role;
  /** Threads this principal may join; null means any (staff). */
  threads: ReadonlySet<string> | null;
}

export type AuthFailure =
  | 'missing-token'
  | 'expired'
  | 'bad-signature'
  | 'malformed'
  | 'algorithm'
  | 'claims'
  | 'wrong-role'
  | 'not-configured';

/** A refused handshake; the message reaches the client as its `connect_error`, `data.code` as well. */
export class AuthError extends Error implements ConnectionRefusal {
  readonly data: { code: AuthFailure };
  constructor(
    readonly code: AuthFailure,
    message: string,
  ) {
    super(message);
    this.name = 'AuthError';
    this.data = { code };
  }
}

export type TokenVerifier = (token: unknown) => Promise<Principal>;

/**
 * Builds the verifier for the configured key, with the algorithm pinned so a token cannot pick it.
 * Tokens must carry `exp`, and an `iat` at most 60 s ahead of `now` (the edge's rule too).
 */
export function createTokenVerifier(jwt: JwtSettings | null, now: () => number = Date.now): TokenVerifier {
  const verifier = jwt
    ? createJwtVerifier(jwt.kind === 'secret' ? { secret: jwt.secret } : { jwksUrl: jwt.url }, now)
    : null;
  if (!verifier) {
    return async () => {
      throw new AuthError(
        'not-configured',
        'authentication is not configured on this node (set JWT_SECRET or JWT_JWKS_URL)',
      );
    };
  }
  return async (token) => {
    if (typeof token !== 'string' || token.length === 0) {
      throw new AuthError('missing-token', 'authentication failed: missing token (send it as auth.token)');
    }
    let payload: unknown;
    try {
      payload = await verifier.verify(token);
    } catch (error) {
      throw translate(error, verifier.algorithms);
    }
    const claims = TokenClaims.safeParse(payload);
    if (!claims.success) {
      const issue = claims.error.issues[0];
      throw new AuthError(
        'claims',
        `authentication failed: token claim '${issue?.path.join('.') ?? '?'}' is invalid: ${issue?.message ?? ''}`,
      );
    }
    const { sub, role, threads } = claims.data;
    return { userId: sub, role, threads: role === 'client' ? new Set(threads ?? []) : null };
  };
}

function translate(error: unknown, algorithms: readonly string[]): AuthError {
  if (!(error instanceof JwtRejection)) {
    return new AuthError(
      'malformed',
      `authentication failed: token could not be verified (${String(error)})`,
    );
  }
  switch (error.failure) {
    case 'expired':
      return new AuthError('expired', 'authentication failed: token expired');
    case 'bad-signature':
      return new AuthError('bad-signature', 'authentication failed: bad token signature');
    case 'algorithm':
      return new AuthError(
        'algorithm',
        `authentication failed: token algorithm not allowed (expected ${algorithms.join(' or ')})`,
      );
    case 'time':
      return new AuthError('claims', `authentication failed: ${error.message}`);
    case 'claims':
      return new AuthError(
        'claims',
        `authentication failed: token claim '${error.details.claim}' is invalid: ${error.details.reason}`,
      );
    case 'unverifiable':
      return new AuthError(
        'malformed',
        `authentication failed: token could not be verified (${String(error.details.cause)})`,
      );
    default:
      return new AuthError('malformed', 'authentication failed: malformed token');
  }
}

/** Who may use which namespace. */
export const NAMESPACE_ROLES: Record<string, readonly Role[]> = {
  '/hub': ['attendant', 'admin'],
  '/portal': ['client', 'attendant', 'admin'],
  '/admin': ['admin'],
};

export interface SocketIdentity {
  principal: Principal;
}

/**
 * Namespace middleware: verifies `auth.token` once, at the handshake, and stores the principal in
 * `socket.data`. Every refusal is reported to `onFailure` (the instrumentation's auth-failure count).
 */
export function authMiddleware(
  verify: TokenVerifier,
  allowed: readonly Role[],
  onFailure: (code: AuthFailure) => void,
): (socket: Socket, next: (err?: ConnectionRefusal) => void) => void {
  return (socket, next) => {
    const auth: unknown = socket.handshake.auth;
    const token = typeof auth === 'object' && auth !== null ? (auth as { token?: unknown }).token : undefined;
    verify(token).then(
      (principal) => {
        if (!allowed.includes(principal.role)) {
          onFailure('wrong-role');
          next(
            new AuthError(
              'wrong-role',
              `forbidden: role '${principal.role}' may not connect to ${socket.nsp.name} (needs ${allowed.join(' or ')})`,
            ),
          );
          return;
        }
        (socket.data as SocketIdentity).principal = principal;
        next();
      },
      (error: unknown) => {
        const refusal =
          error instanceof AuthError
            ? error
            : new AuthError('malformed', 'authentication failed: token rejected');
        onFailure(refusal.code);
        next(refusal);
      },
    );
  };
}

export function principalOf(socket: Socket): Principal | null {
  return (socket.data as Partial<SocketIdentity>).principal ?? null;
}
