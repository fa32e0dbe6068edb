import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RedisProcess, startRedis } from '../../../test/support/redis.ts';
import { sampleSnapshot } from '../merge/fixtures.ts';
import type { SocketRecord } from '../schema/snapshot.ts';
import { createIoredisStore } from './ioredis.ts';
import { createMemoryStore } from './memory.ts';
import type { SocketQuery, TelltaleStore } from './port.ts';
import { SOCKET_SCAN_BUDGET } from './socket-query.ts';

const NODES = 5;
const PER_NODE = 20_000;
const RARE_USER = 'user-rare';
const cluster = 'scale';

async function fill(store: TelltaleStore): Promise<void> {
  for (let n = 0; n < NODES; n++) {
    const nodeId = `node-${n}`;
    const snapshot = sampleSnapshot({ node: { id: nodeId, cluster } });
    for (let start = 0; start < PER_NODE; start += 5000) {
      const upsert: SocketRecord[] = [];
      for (let i = start; i < start + 5000; i++) {
        upsert.push({
          id: `${nodeId}-${i.toString(36).padStart(4, '0')}`,
          nodeId,
          namespace: i % 2 ? '/portal' : '/hub',
          userId: i % 2000 === 7 ? RARE_USER : `user-${i % 997}`,
          role: 'member',
          transport: 'websocket',
          connectedAt: 1_700_000_000_000 + i,
          rooms: 1,
          roomNames: [`thread:${i % 50}`],
          lastEventAt: null,
        });
      }
      await store.forCluster(cluster).flush({ snapshot, sockets: { upsert, remove: [] }, ttlMs: 120_000 });
    }
  }
}

async function walk(store: TelltaleStore, query: Omit<SocketQuery, 'cursor'>) {
  const ids = new Set<string>();
  let cursor: string | undefined;
  let calls = 0;
  let slowestMs = 0;
  do {
    const started = performance.now();
    const page = await store.forCluster(cluster).listSockets({ ...query, ...(cursor ? { cursor } : {}) });
    slowestMs = Math.max(slowestMs, performance.now() - started);
    calls += 1;
    expect(page.items.length).toBeLessThanOrEqual(query.limit);
    for (const item of page.items) {
      if (ids.has(item.id)) throw new Error(`socket ${item.id} came back twice`);
      ids.add(item.id);
    }
    cursor = page.nextCursor ?? undefined;
  } while (cursor);
  return { ids, calls, slowestMs: Math.round(slowestMs) };
}

describe('listSockets at 100,000 sockets across nodes', () => {
  let redis: RedisProcess;
  beforeAll(async () => {
    redis = await startRedis();
  });
  afterAll(async () => {
    await redis?.stop();
  });

  const stores: [string, () => TelltaleStore][] = [
    ['memory', () => createMemoryStore()],
    ['ioredis', () => createIoredisStore(redis.url)],
  ];

  // The Upstash adapter runs the same Lua as ioredis; the contract suite covers its paging.
  for (const [name, make] of stores) {
    it(`${name}: pages every socket once, and a rare filter in budget-bounded calls`, {
      timeout: 90_000,
    }, async () => {
      const store = make();
      try {
        const filling = performance.now();
        await fill(store);
        const filledMs = Math.round(performance.now() - filling);
        const all = await walk(store, { limit: 500 });
        expect(all.ids.size).toBe(NODES * PER_NODE);
        const rare = await walk(store, { limit: 50, userId: RARE_USER });
        expect(rare.ids.size).toBe(NODES * (PER_NODE / 2000));
        // Each call examines about the scan budget (Redis: plus at most one HSCAN batch), so a
        // rare filter takes many short calls instead of one that holds the store.
        expect(rare.calls).toBeGreaterThanOrEqual(Math.floor((NODES * PER_NODE) / (2 * SOCKET_SCAN_BUDGET)));
        console.info(
          `[listSockets 100k] ${name}: full walk ${all.calls} pages of ≤500 (slowest ${all.slowestMs} ms); ` +
            `rare-user filter ${rare.calls} calls (slowest ${rare.slowestMs} ms); filled in ${filledMs} ms`,
        );
      } finally {
        await store.close();
      }
    });
  }
});
