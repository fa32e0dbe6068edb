import { createServer, type Server } from 'node:http';
import { exportJWK, generateKeyPair, SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HttpProblem } from '../problem/index.ts';
import { createAuthenticator } from './index.ts';

const ADMIN_TOKEN = 'admin-token-0123456789';
const SECRET = 'jwt-secret-0123456789abcdef';
const key = new TextEncoder().encode(SECRET);

const hs256 = (claims: Record<string, unknown>, exp: string | number = '5m', alg = 'HS256') =>
  new SignJWT(claims)
    .setProtectedHeader({ alg })
    .setSubject('alice')
    .setIssuedAt()
    .setExpirationTime(exp)
    .sign(key);

async function rejection(promise: Promise<unknown>): Promise<HttpProblem> {
  try {
    await promise;
  } catch (err) {
    if (err instanceof HttpProblem) return err;
    throw err;
  }
  throw new Error('expected a rejection');
}

describe('admin authentication', () => {
  const auth = createAuthenticator({ adminToken: ADMIN_TOKEN, jwtSecret: SECRET });

  it('accepts the admin token as actor admin-token', async () => {
    expect(await auth.admin(`Bearer ${ADMIN_TOKEN}`)).toEqual({
      actor: 'admin-token',
      via: 'admin-token',
      role: 'admin',
    });
  });

  it('401 with a WWW-Authenticate challenge when the header is missing or not Bearer', async () => {
    for (const header of [undefined, `Basic ${btoa('a:b')}`, 'Bearer']) {
      const problem = await rejection(auth.admin(header));
      expect(problem.init.status).toBe(401);
      expect(problem.init.headers?.['www-authenticate']).toBe('Bearer realm="telltale-admin"');
    }
  });

  it('401 invalid_token for a wrong token, a longer or a shorter one included', async () => {
    for (const token of ['wrong-token', `${ADMIN_TOKEN}x`, ADMIN_TOKEN.slice(0, -1)]) {
      const problem = await rejection(auth.admin(`Bearer ${token}`));
      expect(problem.init.status).toBe(401);
      expect(problem.init.headers?.['www-authenticate']).toContain('error="invalid_token"');
    }
  });

  it('accepts an HS256 JWT with role admin, actor = sub', async () => {
    expect(await auth.admin(`Bearer ${await hs256({ role: 'admin' })}`)).toEqual({
      actor: 'alice',
      via: 'jwt',
      role: 'admin',
    });
  });

  it('403 for a valid JWT without role admin', async () => {
    const problem = await rejection(auth.admin(`Bearer ${await hs256({ role: 'client' })}`));
    expect(problem.init.status).toBe(403);
    expect(problem.init.detail).toContain("role 'client'");
  });

  it('401 "token expired" for an expired admin JWT', async () => {
    const expired = await hs256({ role: 'admin' }, Math.floor(Date.now() / 1000) - 60);
    const problem = await rejection(auth.admin(`Bearer ${expired}`));
    expect(problem.init.status).toBe(401);
    expect(problem.init.detail).toBe('token expired');
  });

  it('401 for an admin JWT without exp: every admin JWT must expire', async () => {
    const forever = await new SignJWT({ role: 'admin' })
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject('alice')
      .setIssuedAt()
      .sign(key);
    const problem = await rejection(auth.admin(`Bearer ${forever}`));
    expect(problem.init.status).toBe(401);
    expect(problem.init.detail).toBe('token has no exp claim; Telltale JWTs must expire');
  });

  it('401 for an iat more than 60 s ahead of the clock; 60 s of skew is fine', async () => {
    const issuedIn = (seconds: number) =>
      new SignJWT({ role: 'admin' })
        .setProtectedHeader({ alg: 'HS256' })
        .setSubject('alice')
        .setIssuedAt(Math.floor(Date.now() / 1000) + seconds)
        .setExpirationTime('2d')
        .sign(key);
    const tomorrow = await rejection(auth.admin(`Bearer ${await issuedIn(86_400)}`));
    expect(tomorrow.init.status).toBe(401);
    expect(tomorrow.init.detail).toBe(
      'token iat is 86400 s in the future; at most 60 s of clock skew is allowed',
    );
    expect(await auth.admin(`Bearer ${await issuedIn(50)}`)).toEqual({
      actor: 'alice',
      via: 'jwt',
      role: 'admin',
    });
  });

  it('403 says what was wrong with a role that is not the string admin', async () => {
    const detail = async (claims: Record<string, unknown>) =>
      (await rejection(auth.admin(`Bearer ${await hs256(claims)}`))).init.detail;
    expect(await detail({ role: ['admin'] })).toBe(
      `role must be the string 'admin'; got an array (["admin"])`,
    );
    expect(await detail({ role: { admin: true } })).toBe(
      `role must be the string 'admin'; got an object ({"admin":true})`,
    );
    expect(await detail({ role: 1 })).toBe(`role must be the string 'admin'; got a number (1)`);
    expect(await detail({})).toBe(
      "'alice' has no role claim; admin routes need role 'admin' ('viewer' to read)",
    );
    expect(await detail({ role: 'Admin' })).toBe(
      "'alice' has role 'Admin'; admin routes need role 'admin' ('viewer' to read)",
    );
  });

  it('401 for a JWT signed with another secret or another algorithm (pinned to HS256)', async () => {
    const other = await new SignJWT({ role: 'admin' })
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject('mallory')
      .setExpirationTime('5m')
      .sign(new TextEncoder().encode('another-secret-0123456789abcdef'));
    expect((await rejection(auth.admin(`Bearer ${other}`))).init.status).toBe(401);
    const hs512 = await hs256({ role: 'admin' }, '5m', 'HS512');
    expect((await rejection(auth.admin(`Bearer ${hs512}`))).init.detail).toContain("'HS512' is not accepted");
    const unsigned =
      `${btoa(JSON.stringify({ alg: 'none' }))}.${btoa(JSON.stringify({ sub: 'x', role: 'admin' }))}.`.replaceAll(
        '=',
        '',
      );
    expect((await rejection(auth.admin(`Bearer ${unsigned}`))).init.status).toBe(401);
  });

  it('503 (never open) when no admin credential is configured', async () => {
    const closed = createAuthenticator({});
    expect(closed.adminEnabled).toBe(false);
    const problem = await rejection(closed.admin(`Bearer ${ADMIN_TOKEN}`));
    expect(problem.init.status).toBe(503);
  });
});

describe('viewer role', () => {
  const VIEWER_TOKEN = 'viewer-token-0123456789';
  const auth = createAuthenticator({ adminToken: ADMIN_TOKEN, viewerToken: VIEWER_TOKEN, jwtSecret: SECRET });

  it('refuses a VIEWER_TOKEN equal to ADMIN_TOKEN at startup (it would have admin rights)', () => {
    expect(() => createAuthenticator({ adminToken: ADMIN_TOKEN, viewerToken: ADMIN_TOKEN })).toThrow(
      'VIEWER_TOKEN must differ from ADMIN_TOKEN (the same token would have admin rights)',
    );
  });

  it('reads with VIEWER_TOKEN or a JWT with role viewer; admins read too', async () => {
    expect(await auth.reader(`Bearer ${VIEWER_TOKEN}`)).toEqual({
      actor: 'viewer-token',
      via: 'viewer-token',
      role: 'viewer',
    });
    expect(await auth.reader(`Bearer ${await hs256({ role: 'viewer' })}`)).toEqual({
      actor: 'alice',
      via: 'jwt',
      role: 'viewer',
    });
    expect((await auth.reader(`Bearer ${ADMIN_TOKEN}`)).role).toBe('admin');
  });

  it('is a 403 naming the role needed when a viewer asks for an admin action', async () => {
    const token = await rejection(auth.admin(`Bearer ${VIEWER_TOKEN}`));
    expect(token.status).toBe(403);
    expect(token.init.detail).toBe(
      "'viewer-token' has role 'viewer', which may only read; this needs role 'admin'",
    );
    const jwt = await rejection(auth.admin(`Bearer ${await hs256({ role: 'viewer' })}`));
    expect(jwt.init.detail).toBe("'alice' has role 'viewer', which may only read; this needs role 'admin'");
  });

  it('refuses other roles when reading, naming both roles that would do', async () => {
    const problem = await rejection(auth.reader(`Bearer ${await hs256({ role: 'client' })}`));
    expect(problem.status).toBe(403);
    expect(problem.init.detail).toBe(
      "'alice' has role 'client'; admin routes need role 'admin' ('viewer' to read)",
    );
  });

  it('opens the admin routes with only a VIEWER_TOKEN configured, for reading', async () => {
    const viewerOnly = createAuthenticator({ viewerToken: VIEWER_TOKEN });
    expect(viewerOnly.adminEnabled).toBe(true);
    expect((await viewerOnly.reader(`Bearer ${VIEWER_TOKEN}`)).role).toBe('viewer');
    expect((await rejection(viewerOnly.admin(`Bearer ${VIEWER_TOKEN}`))).status).toBe(403);
  });
});

describe('JWKS (RS256)', () => {
  let server: Server;
  let url: string;
  let sign: (claims: Record<string, unknown>) => Promise<string>;

  beforeAll(async () => {
    const { publicKey, privateKey } = await generateKeyPair('RS256');
    const jwk = { ...(await exportJWK(publicKey)), kid: 'k1', alg: 'RS256' };
    server = createServer((_, res) => {
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ keys: [jwk] }));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const address = server.address();
    url = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}/jwks.json`;
    sign = (claims) =>
      new SignJWT(claims)
        .setProtectedHeader({ alg: 'RS256', kid: 'k1' })
        .setSubject('carol')
        .setExpirationTime('5m')
        .sign(privateKey);
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it('verifies an admin JWT against the remote key set', async () => {
    const auth = createAuthenticator({ jwksUrl: url });
    expect(await auth.admin(`Bearer ${await sign({ role: 'admin' })}`)).toEqual({
      actor: 'carol',
      via: 'jwt',
      role: 'admin',
    });
    expect((await rejection(auth.admin(`Bearer ${await sign({ role: 'attendant' })}`))).init.status).toBe(
      403,
    );
  });
});

describe('metrics authentication', () => {
  it('is public without METRICS_TOKEN; otherwise needs it or an admin credential', async () => {
    expect(await createAuthenticator({ adminToken: ADMIN_TOKEN }).metrics(undefined)).toBeNull();
    const auth = createAuthenticator({ adminToken: ADMIN_TOKEN, metricsToken: 'metrics-token-0123456789' });
    expect((await rejection(auth.metrics(undefined))).init.status).toBe(401);
    expect((await auth.metrics('Bearer metrics-token-0123456789'))?.via).toBe('metrics-token');
    expect((await auth.metrics(`Bearer ${ADMIN_TOKEN}`))?.via).toBe('admin-token');
    const metricsOnly = createAuthenticator({ metricsToken: 'metrics-token-0123456789' });
    expect((await rejection(metricsOnly.metrics('Bearer wrong'))).init.status).toBe(401);
  });
});
