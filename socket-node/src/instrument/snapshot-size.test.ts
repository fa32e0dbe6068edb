import type { FlushInput } from '@telltale/shared';
import { afterEach, describe, expect, it } from 'vitest';
import { type PopulatedNode, populatedNode } from '../../test/support/population.ts';
import { recordingStore } from '../../test/support/recording-store.ts';

/**
 * Issue 14's bound: a realistic node's snapshot (distinct users, a `user:` room each, a thread room
 * per 5 users, presence) stays within this whatever its connection count — the caps set it.
 */
const SNAPSHOT_BYTES = 3 * 1024;

let node: PopulatedNode | undefined;
afterEach(async () => {
  await node?.close();
  node = undefined;
});

const flushedBytes = (input: FlushInput | undefined) => Buffer.byteLength(JSON.stringify(input?.snapshot));

describe('the snapshot of a real instrument(io) node', () => {
  it(`stays within ${SNAPSHOT_BYTES} bytes from 100 to 1,000 real connections, and on to 50,000 users`, async () => {
    const { store, flushes } = recordingStore();
    node = await populatedNode(store);
    await node.connect(0, 100);
    await node.instrumentation.flushNow();
    const at100 = flushedBytes(flushes.at(-1));
    await node.connect(100, 900);
    await node.instrumentation.flushNow();
    const at1000 = flushedBytes(flushes.at(-1));
    node.populate(1000, 49_000);
    await node.instrumentation.flushNow();
    const at50000 = flushedBytes(flushes.at(-1));
    console.log(`snapshot bytes: ${at100} at 100, ${at1000} at 1,000, ${at50000} at 50,000 users`);
    for (const bytes of [at100, at1000, at50000]) expect(bytes).toBeLessThanOrEqual(SNAPSHOT_BYTES);
    // Only numbers grow (a digit here and there); nothing per user or per room.
    expect(at50000 - at100).toBeLessThan(200);
    const snapshot = flushes.at(-1)!.snapshot;
    expect(snapshot.rooms).toMatchObject({ total: 50_000 + 10_000, members: 100_000 });
    expect(snapshot.rooms.top).toHaveLength(20);
    expect(snapshot.presence).toEqual({ online: 45_000, away: 5_000, staleClients: 0 });
  }, 60_000);

  it('flushes only what changed to the aggregates: nothing when idle, O(changes) under churn', async () => {
    const { store, flushes } = recordingStore();
    node = await populatedNode(store);
    const clients = await node.connect(0, 200);
    await node.instrumentation.flushNow();
    // start() flushed the empty node whole; these 200 arrived since, as changes.
    expect(flushes[0]?.aggregates).toEqual({ whole: true, rooms: [], users: [] });
    expect(flushes.at(-1)?.aggregates?.users).toHaveLength(200);
    expect(flushes.at(-1)?.aggregates?.rooms).toHaveLength(200 + 40);

    await node.instrumentation.flushNow();
    expect(flushes.at(-1)?.aggregates).toEqual({ whole: false, rooms: [], users: [] });

    // Users 0–4 (one whole thread) and 5 leave.
    for (const client of clients.slice(0, 6)) client.close();
    const room = node.io.of('/portal').adapter.rooms;
    while (room.has('user:u5')) await new Promise((r) => setTimeout(r, 5));
    await node.instrumentation.flushNow();
    const change = flushes.at(-1)?.aggregates;
    expect(change?.whole).toBe(false);
    expect(change?.users.sort()).toEqual(['u0', 'u1', 'u2', 'u3', 'u4', 'u5'].map((u) => [u, null]));
    expect(change?.rooms.map((r) => `${r.name}=${r.size}`).sort()).toEqual([
      'thread:t0=0',
      'thread:t1=4',
      'user:u0=0',
      'user:u1=0',
      'user:u2=0',
      'user:u3=0',
      'user:u4=0',
      'user:u5=0',
    ]);
    const view = await store.forCluster('default').readCluster();
    expect(view.aggregates.users).toEqual({ online: 174, away: 20 });
    expect(view.aggregates.rooms).toMatchObject({ total: 194 + 39, members: 194 * 2 });
  }, 60_000);
});
