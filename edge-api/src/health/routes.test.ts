import type { TelltaleStore } from '@telltale/shared';
import { createMemoryStore } from '@telltale/shared/store/memory';
import { afterEach, describe, expect, it } from 'vitest';
import { admin, type Edge, flushNode, json, makeEdge, snapshotOf } from '../../test/harness.ts';

let edge: Edge;
afterEach(() => edge?.stop());

describe('GET /health', () => {
  it('passes with 200 and application/health+json when the expected node is live', async () => {
    edge = makeEdge();
    await flushNode(edge.store, snapshotOf('node-a'));
    await edge.aggregator.aggregator.tick();
    const res = await edge.app.request('/health');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/health+json');
    const body = await json(res);
    expect(body.status).toBe('pass');
    expect(body.checks).toHaveProperty(['store:reachable']);
  });

  it('fails with 503 when no node is live, and says why in the verbose text', async () => {
    edge = makeEdge();
    await edge.aggregator.aggregator.tick();
    const res = await edge.app.request('/health');
    expect(res.status).toBe(503);
    expect((await json(res)).status).toBe('fail');

    const verbose = await edge.app.request('/health?verbose');
    expect(verbose.status).toBe(503);
    expect(verbose.headers.get('content-type')).toMatch(/^text\/plain/);
    const text = await verbose.text();
    expect(text).toMatch(/^\[-\]/m);
    expect(text.trim().split('\n').at(-1)).toBe('health check failed');
  });

  it('warns (still 200) when a node is stale', async () => {
    edge = makeEdge({ env: { EXPECTED_NODES: '1' } });
    await flushNode(edge.store, snapshotOf('node-a'));
    await flushNode(edge.store, snapshotOf('node-b', { node: { flushedAt: Date.now() - 10_000 } }));
    await edge.aggregator.aggregator.tick();
    const res = await edge.app.request('/health');
    expect(res.status).toBe(200);
    expect((await json(res)).status).toBe('warn');
  });

  it('fails with the store error when the store is unreachable', async () => {
    const store = createMemoryStore();
    const broken: TelltaleStore = {
      ...store,
      forCluster: (cluster) => ({
        ...store.forCluster(cluster),
        readCluster: () => Promise.reject(new Error('connection refused')),
      }),
    };
    edge = makeEdge({ store: broken });
    await edge.aggregator.aggregator.tick();
    const res = await edge.app.request('/health?verbose=1');
    expect(res.status).toBe(503);
    expect(await res.text()).toContain('connection refused');
  });

  it('serves from the last tick unless an admin asks for ?fresh=1', async () => {
    edge = makeEdge();
    await edge.aggregator.aggregator.tick();
    await flushNode(edge.store, snapshotOf('node-a'));
    expect((await edge.app.request('/health')).status).toBe(503);
    expect((await edge.app.request('/health?fresh=1')).status).toBe(401);
    expect((await edge.app.request('/health?fresh=1', { headers: admin })).status).toBe(200);
  });
});

describe('GET /health/live and /health/ready', () => {
  it('live is always 200', async () => {
    edge = makeEdge();
    const res = await edge.app.request('/health/live');
    expect(res.status).toBe(200);
    expect((await json(res)).status).toBe('pass');
  });

  it('ready is 200 with the store round trip when the store answers', async () => {
    edge = makeEdge();
    const res = await edge.app.request('/health/ready');
    expect(res.status).toBe(200);
    const body = await json(res);
    expect(body.status).toBe('pass');
    expect(body.checks).toHaveProperty(['memory:responseTime']);
  });

  it('ready is 503 when the store does not answer', async () => {
    const store = createMemoryStore();
    edge = makeEdge({
      store: {
        ...store,
        forCluster: (cluster) => ({
          ...store.forCluster(cluster),
          ping: () => Promise.reject(new Error('ECONNREFUSED')),
        }),
      },
    });
    const res = await edge.app.request('/health/ready');
    expect(res.status).toBe(503);
    const body = await json(res);
    expect(body.status).toBe('fail');
    expect(body.output).toContain('ECONNREFUSED');
  });
});
