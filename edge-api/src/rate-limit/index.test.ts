import { type Context, Hono } from 'hono';
import { describe, expect, it } from 'vitest';
import type { AuthVariables } from '../auth/middleware.ts';
import { HttpProblem } from '../problem/index.ts';
import { rateLimitAdmin, TokenBuckets } from './index.ts';

describe('TokenBuckets', () => {
  it('grants a burst, then one token per refill period, per key', () => {
    let now = 0;
    const buckets = new TokenBuckets({ capacity: 3, refillPerSecond: 2 }, () => now);
    expect([buckets.take('a'), buckets.take('a'), buckets.take('a')]).toEqual([0, 0, 0]);
    expect(buckets.take('a')).toBe(500);
    expect(buckets.take('b')).toBe(0);
    now += 500;
    expect(buckets.take('a')).toBe(0);
    expect(buckets.take('a')).toBe(500);
  });
});

describe('rateLimitAdmin', () => {
  const appWith = (clientAddress?: (c: Context) => string | undefined) => {
    const app = new Hono<{ Variables: AuthVariables }>();
    app.use('*', async (c, next) => {
      c.set('principal', { actor: c.req.header('x-actor') ?? 'a', via: 'jwt', role: 'admin' });
      await next();
    });
    app.use(
      '*',
      rateLimitAdmin({
        byActor: new TokenBuckets({ capacity: 2, refillPerSecond: 0.001 }, () => 0),
        byClient: new TokenBuckets({ capacity: 3, refillPerSecond: 0.001 }, () => 0),
        clientAddress,
      }),
    );
    app.post('/', (c) => c.text('ok'));
    app.onError((err, c) =>
      err instanceof HttpProblem ? c.json({ detail: err.init.detail }, err.init.status) : c.text('boom', 500),
    );
    return app;
  };
  const send = (app: Hono<{ Variables: AuthVariables }>, actor: string, ip = '203.0.113.1') =>
    app.request('/', { method: 'POST', headers: { 'x-actor': actor, 'x-ip': ip } });

  it('limits one actor by its own bucket', async () => {
    const app = appWith((c) => c.req.header('x-ip'));
    expect([(await send(app, 'a')).status, (await send(app, 'a')).status]).toEqual([200, 200]);
    const limited = await send(app, 'a');
    expect(limited.status).toBe(429);
    expect(((await limited.json()) as { detail: string }).detail).toMatch(/^rate limit reached for 'a'/);
  });

  it('limits a client address whatever sub each request carries', async () => {
    const app = appWith((c) => c.req.header('x-ip'));
    for (const actor of ['m1', 'm2', 'm3']) expect((await send(app, actor)).status).toBe(200);
    const limited = await send(app, 'm4');
    expect(limited.status).toBe(429);
    expect(((await limited.json()) as { detail: string }).detail).toMatch(
      /^rate limit reached for requests from 203\.0\.113\.1; retry in \d+ ms$/,
    );
    expect((await send(app, 'm5', '203.0.113.2')).status).toBe(200);
  });

  it('shares one bucket between all clients when the runtime cannot tell addresses', async () => {
    const app = appWith();
    for (const [actor, ip] of [
      ['m1', '1'],
      ['m2', '2'],
      ['m3', '3'],
    ]) {
      expect((await send(app, actor!, ip)).status).toBe(200);
    }
    const limited = await send(app, 'm4', '4');
    expect(limited.status).toBe(429);
    expect(((await limited.json()) as { detail: string }).detail).toMatch(
      /^rate limit reached for admin requests \(client addresses are not known here\)/,
    );
  });
});
