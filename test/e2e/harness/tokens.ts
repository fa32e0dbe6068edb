import { SignJWT } from 'jose';

export type Role = 'client' | 'attendant' | 'admin';

export interface TokenOptions {
  /** Seconds from now; negative makes an expired token. Default one hour. */
  expiresInSec?: number;
  /** Threads a portal client may join. */
  threads?: string[];
}

/** An HS256 handshake / admin token, as the backbone would issue it. */
export function signToken(
  secret: string,
  claims: { sub: string; role: Role | string },
  options: TokenOptions = {},
): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT({ role: claims.role, ...(options.threads ? { threads: options.threads } : {}) })
    .setProtectedHeader({ alg: 'HS256' })
    .setSubject(claims.sub)
    .setIssuedAt(now - 5)
    .setExpirationTime(now + (options.expiresInSec ?? 3600))
    .sign(new TextEncoder().encode(secret));
}
