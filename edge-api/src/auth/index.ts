import { ACTOR_MAX_LENGTH, ConfigError } from '@telltale/shared';
import { createJwtVerifier, type JWTPayload, JwtRejection, type JwtVerifier } from '@telltale/shared/jwt';
import { timingSafeEqual } from 'hono/utils/buffer';
import { HttpProblem, ProblemType } from '../problem/index.ts';

/** What a credential may do: admins read and act; viewers only read (no command, no tap payload). */
export type Role = 'admin' | 'viewer' | 'metrics';

export interface Principal {
  /** Who acted, for the audit: 'admin-token', 'viewer-token', a JWT's `sub`, or 'metrics-token'. */
  actor: string;
  via: 'admin-token' | 'viewer-token' | 'jwt' | 'metrics-token';
  role: Role;
}

export interface AuthConfig {
  adminToken?: string;
  /** VIEWER_TOKEN: a read-only bearer token. */
  viewerToken?: string;
  metricsToken?: string;
  jwtSecret?: string;
  jwksUrl?: string;
  /** Clock in ms, for the `iat` skew check. */
  now?: () => number;
}

export interface Authenticator {
  /** True when at least one admin or viewer credential is configured; with none, admin routes stay closed. */
  readonly adminEnabled: boolean;
  /** Resolves an admin principal or throws a 401 / 403 / 503 problem (a viewer gets a 403 naming the role needed). */
  admin(authorization: string | undefined): Promise<Principal>;
  /** Resolves an admin or viewer principal (who may read the admin routes), or throws a 401 / 403 / 503 problem. */
  reader(authorization: string | undefined): Promise<Principal>;
  /** For /metrics: null when it is public, else the metrics token or any admin credential. */
  metrics(authorization: string | undefined): Promise<Principal | null>;
}

const ADMIN_REALM = 'Bearer realm="telltale-admin"';

const unauthorized = (detail: string, error?: 'invalid_token') =>
  new HttpProblem({
    status: 401,
    type: ProblemType.unauthorized,
    title: 'Unauthorized',
    detail,
    headers: {
      'www-authenticate': error
        ? `${ADMIN_REALM}, error="${error}", error_description="${detail.replaceAll('"', "'")}"`
        : ADMIN_REALM,
    },
  });

function bearerToken(authorization: string | undefined): string | null {
  const match = authorization?.match(/^Bearer\s+(\S+)\s*$/i);
  return match?.[1] ?? null;
}

const looksLikeJwt = (token: string) => /^[\w-]+\.[\w-]+\.[\w-]*$/.test(token);

const forbidden = (detail: string) =>
  new HttpProblem({ status: 403, type: ProblemType.forbidden, title: 'Forbidden', detail });

/** What is wrong with a `role` claim that is neither 'admin' nor 'viewer', in the operator's terms. */
function roleProblem(sub: string, role: unknown): string {
  if (role === undefined)
    return `'${sub}' has no role claim; admin routes need role 'admin' ('viewer' to read)`;
  if (typeof role === 'string')
    return `'${sub}' has role '${role.slice(0, 100)}'; admin routes need role 'admin' ('viewer' to read)`;
  const kind =
    role === null
      ? 'null'
      : Array.isArray(role)
        ? 'an array'
        : typeof role === 'object'
          ? 'an object'
          : `a ${typeof role}`;
  const shown = JSON.stringify(role).slice(0, 100);
  return `role must be the string 'admin'; got ${kind} (${shown})`;
}

/** The detail a refused admin JWT gets. */
function jwtProblem(rejection: JwtRejection): string {
  switch (rejection.failure) {
    case 'not-a-jwt':
      return 'bearer token is not a well-formed JWT';
    case 'algorithm':
      return `token algorithm '${rejection.details.alg ?? 'none'}' is not accepted here`;
    case 'expired':
      return 'token expired';
    case 'time':
      return rejection.message;
    default:
      return `token rejected: ${rejection.message}`;
  }
}

export function createAuthenticator(config: AuthConfig): Authenticator {
  if (config.viewerToken && config.viewerToken === config.adminToken) {
    // Checked in admin order, the shared token would read and act: a viewer would be an admin.
    throw new ConfigError([
      'VIEWER_TOKEN must differ from ADMIN_TOKEN (the same token would have admin rights)',
    ]);
  }
  const jwt = createJwtVerifier({ secret: config.jwtSecret, jwksUrl: config.jwksUrl }, config.now);
  const adminEnabled = Boolean(config.adminToken || config.viewerToken || jwt);

  async function verifyJwt(verifier: JwtVerifier, token: string): Promise<JWTPayload> {
    try {
      return await verifier.verify(token);
    } catch (err) {
      if (err instanceof JwtRejection) throw unauthorized(jwtProblem(err), 'invalid_token');
      throw err;
    }
  }

  async function reader(authorization: string | undefined): Promise<Principal> {
    if (!adminEnabled) {
      throw new HttpProblem({
        status: 503,
        type: ProblemType.adminDisabled,
        title: 'Admin API disabled',
        detail:
          'no admin credential is configured: set ADMIN_TOKEN, VIEWER_TOKEN, JWT_SECRET or JWT_JWKS_URL',
      });
    }
    const token = bearerToken(authorization);
    if (!token) throw unauthorized('send Authorization: Bearer <ADMIN_TOKEN or admin JWT>');
    if (config.adminToken && (await timingSafeEqual(token, config.adminToken))) {
      return { actor: 'admin-token', via: 'admin-token', role: 'admin' };
    }
    if (config.viewerToken && (await timingSafeEqual(token, config.viewerToken))) {
      return { actor: 'viewer-token', via: 'viewer-token', role: 'viewer' };
    }
    if (!jwt || !looksLikeJwt(token)) throw unauthorized('bearer token is not valid', 'invalid_token');
    const payload = await verifyJwt(jwt, token);
    if (typeof payload.sub !== 'string' || payload.sub === '') {
      throw unauthorized('token has no sub claim', 'invalid_token');
    }
    // The sub is the actor every command carries: one nodes would refuse must not get this far.
    if (payload.sub.length > ACTOR_MAX_LENGTH) {
      throw unauthorized(
        `token's sub claim is ${payload.sub.length} characters long; at most ${ACTOR_MAX_LENGTH} are accepted`,
        'invalid_token',
      );
    }
    if (payload.role !== 'admin' && payload.role !== 'viewer') {
      throw forbidden(roleProblem(payload.sub, payload.role));
    }
    return { actor: payload.sub, via: 'jwt', role: payload.role };
  }

  async function admin(authorization: string | undefined): Promise<Principal> {
    const principal = await reader(authorization);
    if (principal.role !== 'admin') {
      throw forbidden(
        `'${principal.actor}' has role '${principal.role}', which may only read; this needs role 'admin'`,
      );
    }
    return principal;
  }

  return {
    adminEnabled,
    admin,
    reader,
    async metrics(authorization) {
      if (!config.metricsToken) return null;
      const token = bearerToken(authorization);
      if (token && (await timingSafeEqual(token, config.metricsToken))) {
        return { actor: 'metrics-token', via: 'metrics-token', role: 'metrics' };
      }
      if (!token) throw unauthorized('/metrics needs Authorization: Bearer <METRICS_TOKEN>');
      if (!adminEnabled) throw unauthorized('bearer token is not valid', 'invalid_token');
      return reader(authorization);
    },
  };
}
