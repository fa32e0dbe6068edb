import { afterEach, describe, expect, it, vi } from 'vitest';
import type { CommandAck } from '../schema/command.ts';
import { EdgeConfig } from '../schema/config.ts';
import { createMemoryStore } from '../store/memory.ts';
import type { TelltaleStore } from '../store/port.ts';
import { recordedAcks, sampleSnapshot } from '../testing.ts';
import { polledAckWatch } from './ack-watch.ts';
import { dispatchCommand } from './dispatch.ts';
import { timings } from './timings.ts';

const sum = (pauses: number[]) => pauses.reduce((total, pause) => total + pause, 0);

describe('timings.ackPollPauses', () => {
  it('doubles from 2 ms up to 20 ms when polls are free', () => {
    expect(timings.ackPollPauses(100)).toEqual([2, 4, 8, 16, 20, 20, 20, 10]);
    expect(timings.ackPollPauses(0)).toEqual([]);
  });

  it('stretches the longest pause only as far as the budget needs', () => {
    expect(timings.ackPollPauses(100, 25)).toEqual([2, 4, 8, 16, 20, 20, 20, 10]);
    // 2 + 4 + … + 64 = 126 ms, then 17 × 105 ms and the last 89 ms: 24 pauses, 25 polls.
    expect(timings.ackPollPauses(2000, 25)).toEqual([2, 4, 8, 16, 32, 64, ...Array(17).fill(105), 89]);
  });

  it('stays within the Worker budget and covers the whole wait, for every allowed COMMAND_TIMEOUT_MS', () => {
    const { minMs, maxMs } = timings.commandTimeout;
    expect([minMs, maxMs]).toEqual([50, 60_000]);
    // The schema refuses anything outside the range this loop walks.
    expect(() => EdgeConfig.parse({ ADMIN_TOKEN: 'x'.repeat(32), COMMAND_TIMEOUT_MS: '49' })).toThrow();
    expect(() => EdgeConfig.parse({ ADMIN_TOKEN: 'x'.repeat(32), COMMAND_TIMEOUT_MS: '60001' })).toThrow();
    let mostPolls = 0;
    for (let timeoutMs = minMs; timeoutMs <= maxMs; timeoutMs++) {
      const pauses = timings.ackPollPauses(timeoutMs, timings.workerAckPolls);
      // One poll at once, one after each pause.
      if (pauses.length + 1 > timings.workerAckPolls)
        throw new Error(`${timeoutMs} ms: ${pauses.length + 1} polls`);
      if (sum(pauses) !== timeoutMs) throw new Error(`${timeoutMs} ms: the pauses add up to ${sum(pauses)}`);
      if (pauses.some((pause) => pause <= 0)) throw new Error(`${timeoutMs} ms: an empty pause`);
      mostPolls = Math.max(mostPolls, pauses.length + 1);
    }
    expect(mostPolls).toBe(25);
  });

  it('refuses a budget that cannot poll at once and at the deadline', () => {
    expect(() => timings.ackPollPauses(100, 1)).toThrow('an ack wait needs at least 2 polls');
    expect(timings.ackPollPauses(100, 2)).toEqual([100]);
  });
});

describe('a Worker dispatch against a hung node', () => {
  let store: TelltaleStore | undefined;
  afterEach(async () => {
    vi.useRealTimers();
    await store?.close();
  });

  it('makes at most 50 store round trips at the longest COMMAND_TIMEOUT_MS', async () => {
    vi.useFakeTimers();
    const memory = createMemoryStore();
    store = memory;
    const snapshot = sampleSnapshot({ node: { id: 'node-hung', flushedAt: Date.now(), intervalMs: 1000 } });
    await memory
      .forCluster('default')
      .flush({ snapshot, sockets: { upsert: [], remove: [] }, ttlMs: 120_000 });
    const stop = await memory.forCluster('default').subscribeCommands('node-hung', () => {});
    let roundTrips = 0;
    // The memory store, polled as Upstash REST is on a Worker: every call is one subrequest.
    const bound = memory.forCluster('default');
    const worker = new Proxy(bound, {
      get(target, name, receiver) {
        if (name === 'watchAcks') {
          return async (commandId: string) =>
            polledAckWatch((): Promise<CommandAck[]> => {
              roundTrips++;
              return recordedAcks(bound, commandId);
            }, timings.workerAckPolls);
        }
        const value = Reflect.get(target, name, receiver);
        if (typeof value !== 'function' || name === 'close') return value;
        return (...args: unknown[]) => {
          roundTrips++;
          return value.apply(target, args);
        };
      },
    });
    const timeoutMs = timings.commandTimeout.maxMs;
    const answer = dispatchCommand({ store: worker, timeoutMs }, { type: 'disconnect-all' }, 'ops');
    await vi.advanceTimersByTimeAsync(timeoutMs);
    // Each poll's list read settles on a timer of its own; let the last one land.
    await vi.runAllTimersAsync();
    expect(await answer).toMatchObject({ kind: 'partial', result: { missing: ['node-hung'] } });
    await stop();
    // 1 publish + 25 polls + 1 audit write.
    expect(roundTrips).toBe(27);
    expect(roundTrips).toBeLessThanOrEqual(50);
  });
});
