import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AuthError, createTokenVerifier } from './auth.ts';

const SECRET = 'test-secret-test-secret-test-secret';
const key = new TextEncoder().encode(SECRET);

async function hs256(claims: Record<string, unknown>, options: { expiresIn?: string; alg?: string } = {}) {
  return new SignJWT(claims)
    .setProtectedHeader({ alg: options.alg ?? 'HS256' })
    .setIssuedAt()
    .setExpirationTime(options.expiresIn ?? '1h')
    .sign(key);
}

async function failureOf(promise: Promise<unknown>): Promise<AuthError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof AuthError) return error;
    throw error;
  }
  throw new Error('expected the token to be refused');
}

describe('createTokenVerifier with HS256', () => {
  const verify = createTokenVerifier({ kind: 'secret', secret: SECRET });

  it('accepts a good token and reads user, role and threads', async () => {
    const principal = await verify(await hs256({ sub: 'u1', role: 'client', threads: ['t1', 't2'] }));
    expect(principal.userId).toBe('u1');
    expect(principal.role).toBe('client');
    expect([...(principal.threads ?? [])]).toEqual(['t1', 't2']);
    const staff = await verify(await hs256({ sub: 'a1', role: 'attendant' }));
    expect(staff.threads).toBeNull();
  });

  it('says which failure it was', async () => {
    expect((await failureOf(verify(undefined))).message).toBe(
      'authentication failed: missing token (send it as auth.token)',
    );
    const expired = await new SignJWT({ sub: 'u1', role: 'client' })
      .setProtectedHeader({ alg: 'HS256' })
      .setExpirationTime(Math.floor(Date.now() / 1000) - 60)
      .sign(key);
    expect((await failureOf(verify(expired))).code).toBe('expired');
    const forged = await new SignJWT({ sub: 'u1', role: 'admin' })
      .setProtectedHeader({ alg: 'HS256' })
      .setExpirationTime('1h')
      .sign(new TextEncoder().encode('another-secret-another-secret!!'));
    const badSignature = await failureOf(verify(forged));
    expect(badSignature.code).toBe('bad-signature');
    expect(badSignature.message).toBe('authentication failed: bad token signature');
    expect((await failureOf(verify('not.a.jwt'))).code).toBe('malformed');
  });

  it('refuses a token without exp, and one issued more than 60 s in the future', async () => {
    const forever = await new SignJWT({ sub: 'u1', role: 'client' })
      .setProtectedHeader({ alg: 'HS256' })
      .setIssuedAt()
      .sign(key);
    const noExp = await failureOf(verify(forever));
    expect(noExp.code).toBe('claims');
    expect(noExp.message).toBe('authentication failed: token has no exp claim; Telltale JWTs must expire');
    const issuedIn = (seconds: number) =>
      new SignJWT({ sub: 'u1', role: 'admin' })
        .setProtectedHeader({ alg: 'HS256' })
        .setIssuedAt(Math.floor(Date.now() / 1000) + seconds)
        .setExpirationTime('2d')
        .sign(key);
    const tomorrow = await failureOf(verify(await issuedIn(86_400)));
    expect(tomorrow.code).toBe('claims');
    expect(tomorrow.message).toBe(
      'authentication failed: token iat is 86400 s in the future; at most 60 s of clock skew is allowed',
    );
    expect((await verify(await issuedIn(50))).role).toBe('admin');
  });

  it('pins the algorithm', async () => {
    const hs512 = await hs256({ sub: 'u1', role: 'admin' }, { alg: 'HS512' });
    const refusal = await failureOf(verify(hs512));
    expect(refusal.code).toBe('algorithm');
    expect(refusal.message).toContain('expected HS256');
  });

  it('refuses a token whose claims are wrong', async () => {
    const refusal = await failureOf(verify(await hs256({ sub: 'u1', role: 'root' })));
    expect(refusal.code).toBe('claims');
    expect(refusal.message).toContain("'role'");
  });

  it('refuses everything when no key is configured', async () => {
    const refusal = await failureOf(createTokenVerifier(null)(await hs256({ sub: 'u1', role: 'admin' })));
    expect(refusal.code).toBe('not-configured');
  });
});

describe('createTokenVerifier with a JWKS url', () => {
  let server: Server;
  let url: string;
  let sign: (claims: Record<string, unknown>) => Promise<string>;

  beforeAll(async () => {
    const { publicKey, privateKey } = await generateKeyPair('ES256');
    const jwk = { ...(await exportJWK(publicKey)), kid: 'k1', alg: 'ES256', use: 'sig' };
    server = createServer((_req, res) => {
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ keys: [jwk] }));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/jwks.json`;
    sign = (claims) =>
      new SignJWT(claims)
        .setProtectedHeader({ alg: 'ES256', kid: 'k1' })
        .setExpirationTime('1h')
        .sign(privateKey);
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it('verifies ES256 tokens against the fetched keys and refuses HS256 ones', async () => {
    const verify = createTokenVerifier({ kind: 'jwks', url });
    expect((await verify(await sign({ sub: 'a1', role: 'attendant' }))).role).toBe('attendant');
    const refusal = await failureOf(verify(await hs256({ sub: 'a1', role: 'admin' })));
    expect(refusal.code).toBe('algorithm');
  });
});
