import { describe, expect, it } from 'vitest';
import { emptyLedger } from '../store/ledger.ts';
import { createMemoryStore } from '../store/memory.ts';
import { sampleSnapshot } from './fixtures.ts';
import { mergeCluster } from './merge-cluster.ts';
import { mergeSnapshots, withNodeDetail } from './merge-snapshots.ts';

const T0 = 1_700_000_000_000;
const options = { cluster: 'c', intervalMs: 5000 };

describe('mergeCluster', () => {
  it('gives from pulses and the ledger the view whole snapshots give, per-node detail apart', async () => {
    const store = createMemoryStore({ now: () => T0 }).forCluster('c');
    const nodes = [
      sampleSnapshot({
        node: { id: 'a', cluster: 'c', flushedAt: T0 },
        gauges: { connections: 3, byNamespace: { '/hub': 3, '/admin': 0 }, byTransport: { websocket: 3 } },
        counters: { eventsInByType: { ping: 4, chat: 2 }, refusedConnections: { draining: 1 } },
        latencyMs: [1, 2, 3, 400],
      }),
      sampleSnapshot({
        node: { id: 'b', cluster: 'c', flushedAt: T0 - 1000 },
        gauges: { connections: 1, byNamespace: { '/hub': 1 }, byTransport: { polling: 1 } },
        counters: { eventsInByType: { ping: 9 }, disconnectReasons: { 'ping timeout': 2 } },
        latencyMs: [0.5, 8],
      }),
    ];
    for (const snapshot of nodes)
      await store.flush({ snapshot, sockets: { upsert: [], remove: [] }, ttlMs: 60_000 });
    const read = await store.readCluster();
    const tick = mergeCluster(read, T0, options);
    const whole = mergeSnapshots(await store.readNodes(), T0, { ...options, aggregates: read.aggregates });

    expect(tick.nodes.list.map((n) => [n.counters, n.latency])).toEqual([
      [null, null],
      [null, null],
    ]);
    expect(withNodeDetail(tick, await store.readNodes())).toEqual(whole);
    expect(tick.connections.by_namespace).toEqual({ '/hub': 4, '/admin': 0 });
    expect(tick.events.by_type).toEqual({ ping: 13, chat: 2 });
    expect(tick.events.latency).toMatchObject({ count: 6, max: 400 });
    expect(tick.connections.refused).toEqual({ count: 1, by_reason: { draining: 1 } });
  });

  it('marks a node whose snapshot came without a pulse invalid, saying why, and counts nothing of it', () => {
    const view = mergeCluster(
      {
        nodes: [{ nodeId: 'old', lastFlushAt: T0, pulse: '' }],
        aggregates: {
          users: { online: 0, away: 0 },
          rooms: { total: 0, members: 0, byPrefix: {}, byNamespace: {}, top: [] },
        },
        ledger: emptyLedger(),
      },
      T0,
      options,
    );
    expect(view.nodes.invalid).toBe(1);
    expect(view.nodes.list[0]!.error).toMatch(
      /without a pulse: it runs a Telltale release older than this edge/,
    );
    expect(view.connections.total).toBe(0);
  });

  it('lists the largest labels by name and the rest of the total as other', async () => {
    const store = createMemoryStore({ now: () => T0 }).forCluster('c');
    const types = Object.fromEntries(Array.from({ length: 60 }, (_, i) => [`t${i}`, 1]));
    const snapshot = sampleSnapshot({
      node: { id: 'a', cluster: 'c', flushedAt: T0 },
      counters: { eventsIn: 60, eventsInByType: types },
    });
    await store.flush({ snapshot, sockets: { upsert: [], remove: [] }, ttlMs: 60_000 });
    const view = mergeCluster(await store.readCluster(), T0, options);
    expect(Object.keys(view.events.by_type)).toHaveLength(51);
    expect(view.events.by_type.other).toBe(10);
  });
});
