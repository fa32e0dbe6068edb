import type { FlushInput, FlushResult, NodeStore } from '@telltale/shared';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { Flusher, NodeMeters } from './flusher.ts';
import { silentLogger } from './log.ts';
import { ProcessStats } from './process-stats.ts';
import { collectRooms } from './rooms.ts';
import { SocketTable } from './socket-table.ts';

const T = 1_700_000_000_000;

/** A store whose flushes are recorded and answered from `answers` (then `{ expired: false }`). */
function recordingStore(answers: (FlushResult | Error)[] = []) {
  const writes: { replaceSockets: boolean; at: number }[] = [];
  const store = {
    flush: async (input: FlushInput): Promise<FlushResult> => {
      writes.push({ replaceSockets: input.replaceSockets === true, at: Date.now() });
      const answer = answers.shift() ?? { expired: false };
      if (answer instanceof Error) throw answer;
      return answer;
    },
  } as unknown as NodeStore;
  return { store, writes };
}

function flusherOn(store: NodeStore) {
  const stats = new ProcessStats(T);
  const flusher = new Flusher({
    store,
    cluster: 'default',
    nodeId: 'n1',
    version: '1.2.3',
    startedAt: T,
    intervalMs: 5000,
    log: silentLogger,
    sockets: new SocketTable(),
    meters: new NodeMeters(50),
    stats,
    state: () => ({
      mode: 'running',
      byNamespace: { '/': 0 },
      rooms: collectRooms([]),
      presence: { online: [], away: [], staleClients: 0 },
      rateLimits: { perSocket: null, perUser: null },
    }),
  });
  return { flusher, stats };
}

describe('Flusher', () => {
  beforeEach(() => {
    vi.useFakeTimers({ now: T });
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('writes the sockets whole first, then deltas, and whole again after a missed deadline', async () => {
    const { store, writes } = recordingStore();
    const { flusher, stats } = flusherOn(store);
    await flusher.flushNow();
    vi.setSystemTime(T + 5000);
    await flusher.flushNow();
    // Two intervals after the last confirmed write the hashes (TTL three intervals) may be gone.
    vi.setSystemTime(T + 5000 + 10_001);
    await flusher.flushNow();
    vi.setSystemTime(T + 1000);
    await flusher.flushNow();
    stats.stop();
    expect(writes.map((w) => w.replaceSockets)).toEqual([true, false, true, true]);
  });

  it('rewrites whole at once when the store says the hashes expired under a delta', async () => {
    const { store, writes } = recordingStore([{ expired: false }, { expired: true }]);
    const { flusher, stats } = flusherOn(store);
    await flusher.flushNow();
    await flusher.flushNow();
    stats.stop();
    expect(writes.map((w) => w.replaceSockets)).toEqual([true, false, true]);
  });

  it('retries a failed flush after 250 ms, doubling, and writes whole once the store is back', async () => {
    const down = new Error('ECONNREFUSED');
    const { store, writes } = recordingStore([{ expired: false }, down, down]);
    const { flusher, stats } = flusherOn(store);
    flusher.start();
    await flusher.flushNow();
    expect(await flusher.flushNow()).toBe(false);
    expect(flusher.storeConnected).toBe(false);
    await vi.advanceTimersByTimeAsync(250);
    await vi.advanceTimersByTimeAsync(500);
    flusher.stop();
    stats.stop();
    expect(writes.map((w) => [w.at - T, w.replaceSockets])).toEqual([
      [0, true],
      [0, false],
      [250, true],
      [750, true],
    ]);
    expect(flusher.storeConnected).toBe(true);
  });

  it('does not retry before it is started', async () => {
    const { store, writes } = recordingStore([new Error('down')]);
    const { flusher, stats } = flusherOn(store);
    await flusher.flushNow();
    await vi.advanceTimersByTimeAsync(4999);
    stats.stop();
    expect(writes).toHaveLength(1);
  });
});
