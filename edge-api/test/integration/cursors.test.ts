/**
 * Crafted cursors against the ioredis store over a private redis-server, through the app: every
 * cursor the API did not issue is a plain 400 and never reaches Redis, and a store failure
 * never echoes what Redis said.
 */
import { clusterKeys } from '@telltale/shared';
import { createIoredisStore } from '@telltale/shared/store/ioredis';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RedisProcess, startRedis } from '../../../test/support/redis.ts';
import { admin, type Edge, flushNode, json, makeEdge, snapshotOf, socketOf } from '../harness.ts';

let redis: RedisProcess;
let edge: Edge;

const encode = (value: unknown) =>
  btoa(JSON.stringify(value)).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');

beforeAll(async () => {
  redis = await startRedis();
  edge = makeEdge({ store: createIoredisStore(redis.url) });
  const sockets = Array.from({ length: 5 }, (_, i) => socketOf(`s${i}`, 'node-a'));
  await flushNode(edge.store, snapshotOf('node-a'), sockets);
  for (let i = 0; i < 3; i++) {
    const res = await edge.app.request('/admin/maintenance', {
      method: 'POST',
      headers: { ...admin, 'content-type': 'application/json' },
      body: JSON.stringify({ enabled: false }),
    });
    expect(res.status).toBeLessThan(300);
  }
});
afterAll(async () => {
  await edge?.stop();
  await redis?.stop();
});

async function badCursor(path: string) {
  const res = await edge.app.request(path, { headers: admin });
  const body = await json(res);
  return { status: res.status, detail: String(body.detail), body: JSON.stringify(body) };
}

describe('crafted cursors over real Redis', () => {
  it.each([
    '/admin/commands?cursor=99999999999999999999999-0',
    '/admin/commands?cursor=1-99999999999999999999999',
    '/admin/commands?cursor=18446744073709551616-0',
    '/admin/commands?cursor=0-0',
    '/admin/commands?cursor=abc',
    '/admin/commands?cursor=1-2-3',
    `/admin/connections?cursor=${encode(['node-a', '99999999999999999999999', 0])}`,
    `/admin/connections?cursor=${encode(['node-a', 'not-a-scan', 0])}`,
    `/admin/connections?cursor=${encode(['node-a', '-1', 0])}`,
    `/admin/connections?cursor=${encode(['node-a', '0', 1e300])}`,
    `/admin/connections?cursor=${encode(['node-a', '0', -1])}`,
    `/admin/connections?cursor=${encode({ node: 'node-a' })}`,
    '/admin/connections?cursor=%%%',
    '/admin/rooms?cursor=bm9wZQ',
  ])('%s is a 400 with a plain message', async (path) => {
    const answer = await badCursor(path);
    expect(answer.status).toBe(400);
    expect(answer.detail).toMatch(/cursor/);
    expect(answer.body).not.toMatch(/ERR |script|[0-9a-f]{40}|redis|lua/i);
  });

  it('still pages with the cursors it issued', async () => {
    const first = await json(await edge.app.request('/admin/commands?limit=2', { headers: admin }));
    expect((first.items as unknown[]).length).toBe(2);
    const next = await edge.app.request(`/admin/commands?limit=2&cursor=${first.nextCursor}`, {
      headers: admin,
    });
    expect(next.status).toBe(200);
    expect(((await json(next)).items as unknown[]).length).toBe(1);

    const page = await json(await edge.app.request('/admin/connections?limit=2', { headers: admin }));
    const rest = await edge.app.request(`/admin/connections?limit=10&cursor=${page.nextCursor}`, {
      headers: admin,
    });
    expect(rest.status).toBe(200);
    expect(((await json(rest)).items as unknown[]).length).toBe(3);
  });
});

describe('a store failure through the app', () => {
  it('is a 503 that names the kind of failure, not what Redis said', async () => {
    const broken = makeEdge({ env: { CLUSTER_ID: 'wrongtype' }, store: createIoredisStore(redis.url) });
    const client = new Redis(redis.url);
    const logged: unknown[] = [];
    const original = console.error;
    console.error = (...args: unknown[]) => logged.push(args);
    try {
      // A key of the wrong type makes the audit script fail inside Redis (WRONGTYPE … script: <sha>).
      await client.set(clusterKeys('wrongtype').audit, 'not a stream');
      const res = await broken.app.request('/admin/commands', { headers: admin });
      const body = await json(res);
      expect(res.status).toBe(503);
      expect(body.detail).toBe('the metrics store rejected the request; the error is in the edge log');
      expect(String((logged[0] as unknown[])[1])).toContain('WRONGTYPE');
    } finally {
      console.error = original;
      client.disconnect();
      await broken.stop();
    }
  });
});
