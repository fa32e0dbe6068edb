import { Hono } from 'hono';
import { HTTPException } from 'hono/http-exception';
import { describe, expect, it } from 'vitest';
import { HttpProblem, ProblemType } from './index.ts';

const tooMany = () =>
  new HttpProblem({
    status: 429,
    type: ProblemType.rateLimited,
    title: 'Too many requests',
    detail: 'slow down',
    extensions: { retryAfterSec: 5 },
    headers: { 'retry-after': '5' },
  });

describe('HttpProblem', () => {
  it('is an HTTPException that Hono answers with its problem+json response, instance aside', async () => {
    const problem = tooMany();
    expect(problem).toBeInstanceOf(HTTPException);
    expect([problem.status, problem.message]).toEqual([429, 'slow down']);
    const app = new Hono().get('/x', () => {
      throw tooMany();
    });
    const res = await app.request('/x');
    expect(res.status).toBe(429);
    expect(res.headers.get('content-type')).toBe('application/problem+json');
    expect(res.headers.get('retry-after')).toBe('5');
    expect(await res.json()).toEqual({
      type: 'urn:telltale:problem:rate-limited',
      title: 'Too many requests',
      status: 429,
      detail: 'slow down',
      retryAfterSec: 5,
    });
  });

  it('puts the request path in instance when given it, each time afresh', async () => {
    const problem = tooMany();
    expect(await problem.getResponse('/admin/rooms').text()).toBe(
      '{"type":"urn:telltale:problem:rate-limited","title":"Too many requests","status":429,"detail":"slow down","instance":"/admin/rooms","retryAfterSec":5}',
    );
    expect((await problem.getResponse('/admin/rooms').json()).instance).toBe('/admin/rooms');
  });
});
