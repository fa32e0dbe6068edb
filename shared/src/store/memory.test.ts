import { describe, expect, it } from 'vitest';
import { clusterKeys } from '../keys/index.ts';
import { sampleSnapshot } from '../merge/fixtures.ts';
import { createMemoryStore } from './memory.ts';

describe('memory store', () => {
  it('routes an exception thrown by a subscriber to onError instead of losing it', async () => {
    const errors: unknown[] = [];
    const store = createMemoryStore({ onError: (error) => errors.push(error) });
    await store.forCluster('c').subscribeEvents(() => {
      throw new Error('handler broke');
    });
    await store.forCluster('c').publishEvent('{}');
    await new Promise((resolve) => setTimeout(resolve, 0));
    expect(errors).toEqual([new Error('handler broke')]);
  });

  it('expires keys by its injected clock, with Redis PTTL semantics', async () => {
    let now = 1000;
    const store = createMemoryStore({ now: () => now });
    const keys = clusterKeys('c');
    const snapshot = sampleSnapshot({ node: { id: 'n1', cluster: 'c' } });
    expect(store.pttl(keys.node('n1'))).toBe(-2);
    await store.forCluster('c').flush({ snapshot, sockets: { upsert: [], remove: [] }, ttlMs: 500 });
    expect(store.pttl(keys.node('n1'))).toBe(500);
    now += 499;
    expect(store.pttl(keys.node('n1'))).toBe(1);
    now += 1;
    expect(store.pttl(keys.node('n1'))).toBe(-2);
    await store.forCluster('c').writeAlertRules([]);
    expect(store.pttl(keys.alerts)).toBe(-1);
  });

  it('refuses work once closed', async () => {
    const store = createMemoryStore();
    await store.close();
    await expect(store.forCluster('c').readNodes()).rejects.toThrow(/closed/);
  });
});
