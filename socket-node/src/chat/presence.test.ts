import { createMemoryStore } from '@telltale/shared/store/memory';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { eventually } from '../../test/support/clients.ts';
import { silentLogger } from '../instrument/log.ts';
import { type PresenceChange, PresenceTracker } from './presence.ts';

const timings = { heartbeatMs: 60, graceMs: 200, ttlMs: 10_000 };

/** Heartbeats slow enough that nobody goes stale while a grace period is being tested. */
const graceTimings = { heartbeatMs: 5000, graceMs: 200, ttlMs: 10_000 };

function cluster(t = timings) {
  const store = createMemoryStore();
  const announced: string[] = [];
  const trackers: PresenceTracker[] = [];
  const node = (nodeId: string) => {
    const tracker = new PresenceTracker({
      store: store.forCluster('c'),
      nodeId,
      timings: t,
      announce: (userId: string, change: PresenceChange) => announced.push(`${userId} ${change}`),
      log: silentLogger,
    });
    trackers.push(tracker);
    return tracker;
  };
  return { store, announced, trackers, node };
}

/**
 * Grace periods run on fake timers, so "nothing was announced" is checked at exact instants of the
 * clock, not after a sleep that a slow machine may not have finished. Store operations are
 * promise-only in the memory store: one macrotask (setImmediate, left real) lets them all settle.
 */
function fakeClock() {
  vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'Date'] });
  return async (ms = 0) => {
    await vi.advanceTimersByTimeAsync(ms);
    await new Promise<void>((resolve) => setImmediate(resolve));
  };
}

let trackers: PresenceTracker[] = [];
afterEach(async () => {
  await Promise.all(trackers.map((t) => t.stop()));
  trackers = [];
  vi.useRealTimers();
});

describe('PresenceTracker', () => {
  it('announces online once for several tabs, and away when heartbeats stop, online when they resume', async () => {
    const c = cluster();
    trackers = c.trackers;
    const a = c.node('a');
    a.connect('u1', 's1', 'attendant');
    a.connect('u1', 's2', 'attendant');
    await eventually(() => c.announced.length === 1, 1000, 'online');
    expect(c.announced).toEqual(['u1 online']);
    expect((await c.store.forCluster('c').getPresence('u1'))?.status).toBe('online');

    // Two missed intervals on every socket: away. Keep one socket beating and it never happens.
    await eventually(() => c.announced.length === 2, 1000, 'away');
    expect(c.announced[1]).toBe('u1 away');
    expect(a.snapshot()).toEqual({ online: [], away: ['u1'], staleClients: 2 });
    a.heartbeat('u1', 's1');
    await eventually(() => c.announced.length === 3, 1000, 'back online');
    expect(c.announced[2]).toBe('u1 online');
    expect(a.snapshot().staleClients).toBe(1);
  });

  it('follows presence:away and presence:online chosen by the user', async () => {
    const c = cluster();
    trackers = c.trackers;
    const a = c.node('a');
    a.connect('u1', 's1', 'attendant');
    await eventually(() => c.announced.length === 1, 1000, 'online');
    a.choose('u1', 'away');
    await eventually(() => c.announced.length === 2, 1000, 'away');
    a.choose('u1', 'online');
    a.heartbeat('u1', 's1');
    await eventually(() => c.announced.length === 3, 1000, 'online');
    expect(c.announced).toEqual(['u1 online', 'u1 away', 'u1 online']);
  });

  it('waits the grace period before offline, and a reconnect within it announces nothing', async () => {
    const tick = fakeClock();
    const c = cluster(graceTimings);
    trackers = c.trackers;
    const a = c.node('a');
    a.connect('u1', 's1', 'client');
    await tick();
    expect(c.announced).toEqual(['u1 online']);
    a.disconnect('u1', 's1');
    await tick(graceTimings.graceMs - 1);
    expect(a.snapshot().online).toEqual(['u1']);
    a.connect('u1', 's2', 'client');
    await tick(2 * graceTimings.graceMs);
    expect(c.announced).toEqual(['u1 online']);
    expect(a.snapshot().online).toEqual(['u1']);

    a.disconnect('u1', 's2');
    await tick(graceTimings.graceMs - 1);
    expect(c.announced).toEqual(['u1 online']);
    await tick(1);
    expect(c.announced).toEqual(['u1 online', 'u1 offline']);
    expect(a.snapshot().online).toEqual([]);
    expect(await c.store.forCluster('c').getPresence('u1')).toBeNull();
  });

  it('treats a user with tabs on two nodes as one user', async () => {
    const tick = fakeClock();
    const c = cluster(graceTimings);
    trackers = c.trackers;
    const a = c.node('a');
    const b = c.node('b');
    a.connect('u1', 'sa', 'attendant');
    await tick();
    expect(c.announced).toEqual(['u1 online']);
    b.connect('u1', 'sb', 'attendant');
    await tick();
    expect((await c.store.forCluster('c').getPresence('u1'))?.nodes).toEqual({ a: 1, b: 1 });
    expect(c.announced).toEqual(['u1 online']);

    // The tab on a closes: a's grace runs out, but b still holds the user, so no offline.
    a.disconnect('u1', 'sa');
    await tick(graceTimings.graceMs);
    expect((await c.store.forCluster('c').getPresence('u1'))?.nodes).toEqual({ b: 1 });
    expect(c.announced).toEqual(['u1 online']);

    b.disconnect('u1', 'sb');
    await tick(graceTimings.graceMs);
    expect(c.announced).toEqual(['u1 online', 'u1 offline']);
  });

  it('a reconnect to another node during the grace period keeps the user online', async () => {
    const tick = fakeClock();
    const c = cluster(graceTimings);
    trackers = c.trackers;
    const a = c.node('a');
    const b = c.node('b');
    a.connect('u1', 'sa', 'attendant');
    await tick();
    expect(c.announced).toEqual(['u1 online']);
    a.disconnect('u1', 'sa');
    b.connect('u1', 'sb', 'attendant');
    // a's grace runs out and withdraws its share; b's tab keeps the user online.
    await tick(graceTimings.graceMs);
    expect(await c.store.forCluster('c').getPresence('u1')).toMatchObject({
      status: 'online',
      nodes: { b: 1 },
    });
    expect(c.announced).toEqual(['u1 online']);
  });
});
