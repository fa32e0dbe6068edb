import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createJwtVerifier, type JwtRejection } from './jwt.ts';

const SECRET = 'jwt-secret-0123456789abcdef';
const key = new TextEncoder().encode(SECRET);
const nowSec = Math.floor(Date.now() / 1000);
const NOW = nowSec * 1000;

const sign = (header: { alg: string }, claims: Record<string, unknown>, secret = key) =>
  new SignJWT(claims).setProtectedHeader(header).sign(secret);

async function rejection(promise: Promise<unknown>): Promise<JwtRejection> {
  try {
    await promise;
  } catch (error) {
    return error as JwtRejection;
  }
  throw new Error('expected a rejection');
}

describe('createJwtVerifier with a secret', () => {
  const verifier = createJwtVerifier({ secret: SECRET }, () => NOW);
  const verify = (token: string) => verifier!.verify(token);

  it('is null without a key, and accepts HS256 only with one', async () => {
    expect(createJwtVerifier({})).toBeNull();
    expect(createJwtVerifier({ secret: '', jwksUrl: '' })).toBeNull();
    expect(verifier?.algorithms).toEqual(['HS256']);
    const payload = await verify(await sign({ alg: 'HS256' }, { sub: 'alice', exp: nowSec + 300 }));
    expect(payload.sub).toBe('alice');
  });

  it('pins the algorithm: HS512, none and RS256 headers are refused before any key is tried', async () => {
    const hs512 = await rejection(verify(await sign({ alg: 'HS512' }, { exp: nowSec + 300 })));
    expect([hs512.failure, hs512.details.alg, hs512.message]).toEqual([
      'algorithm',
      'HS512',
      "token algorithm 'HS512' is not accepted",
    ]);
    const none = `${btoa(JSON.stringify({ alg: 'none' }))}.${btoa(JSON.stringify({ exp: nowSec + 300 }))}.`;
    expect((await rejection(verify(none.replaceAll('=', '')))).failure).toBe('algorithm');
    const rs256 = `${btoa(JSON.stringify({ alg: 'RS256' }))}.e30.c2ln`.replaceAll('=', '');
    expect((await rejection(verify(rs256))).failure).toBe('algorithm');
  });

  it('requires exp, refuses an iat more than 60 s ahead, and an expired token', async () => {
    const noExp = await rejection(verify(await sign({ alg: 'HS256' }, { iat: nowSec })));
    expect([noExp.failure, noExp.message]).toEqual([
      'time',
      'token has no exp claim; Telltale JWTs must expire',
    ]);
    const ahead = await rejection(
      verify(await sign({ alg: 'HS256' }, { iat: nowSec + 61, exp: nowSec + 600 })),
    );
    expect([ahead.failure, ahead.message]).toEqual([
      'time',
      'token iat is 61 s in the future; at most 60 s of clock skew is allowed',
    ]);
    expect(await verify(await sign({ alg: 'HS256' }, { iat: nowSec + 60, exp: nowSec + 600 }))).toEqual({
      iat: nowSec + 60,
      exp: nowSec + 600,
    });
    const expired = await sign({ alg: 'HS256' }, { exp: nowSec - 60 });
    expect((await rejection(verify(expired))).failure).toBe('expired');
  });

  it('tells a bad signature, a claim jose refuses and a token that is not a JWT apart', async () => {
    const forged = await sign(
      { alg: 'HS256' },
      { exp: nowSec + 300 },
      new TextEncoder().encode('x'.repeat(32)),
    );
    const badSignature = await rejection(verify(forged));
    expect([badSignature.failure, badSignature.message]).toEqual([
      'bad-signature',
      'signature verification failed',
    ]);
    const later = nowSec + 3600;
    const notYet = await rejection(verify(await sign({ alg: 'HS256' }, { nbf: later, exp: later + 300 })));
    expect([notYet.failure, notYet.details.claim, notYet.details.reason]).toEqual([
      'claims',
      'nbf',
      'check_failed',
    ]);
    expect((await rejection(verify('not.a.jwt'))).failure).toBe('not-a-jwt');
  });
});

describe('createJwtVerifier with a JWKS url', () => {
  let server: Server;
  let url: string;
  let privateKey: CryptoKey;

  beforeAll(async () => {
    const pair = await generateKeyPair('ES256');
    privateKey = pair.privateKey;
    const jwk = { ...(await exportJWK(pair.publicKey)), kid: 'k1', alg: 'ES256', use: 'sig' };
    server = createServer((_req, res) => {
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ keys: [jwk] }));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/jwks.json`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it('accepts RS256/ES256 against the key set, HS256 only when a secret is configured too', async () => {
    const jwksOnly = createJwtVerifier({ jwksUrl: url }, () => NOW);
    expect(jwksOnly?.algorithms).toEqual(['RS256', 'ES256']);
    const es256 = await new SignJWT({ sub: 'carol', exp: nowSec + 300 })
      .setProtectedHeader({ alg: 'ES256', kid: 'k1' })
      .sign(privateKey);
    expect((await jwksOnly!.verify(es256)).sub).toBe('carol');
    const hs256 = await sign({ alg: 'HS256' }, { sub: 'alice', exp: nowSec + 300 });
    expect((await rejection(jwksOnly!.verify(hs256))).failure).toBe('algorithm');
    const both = createJwtVerifier({ secret: SECRET, jwksUrl: url }, () => NOW);
    expect(both?.algorithms).toEqual(['HS256', 'RS256', 'ES256']);
    expect((await both!.verify(hs256)).sub).toBe('alice');
    expect((await both!.verify(es256)).sub).toBe('carol');
    const unknownKey = await new SignJWT({ exp: nowSec + 300 })
      .setProtectedHeader({ alg: 'ES256', kid: 'k2' })
      .sign(privateKey);
    expect((await rejection(jwksOnly!.verify(unknownKey))).failure).toBe('bad-signature');
  });
});
