import { describe, expect, it } from 'vitest';
import type { NodeCounters } from '../schema/snapshot.ts';
import { sampleRecord, sampleSnapshot } from './fixtures.ts';
import { mergeSnapshots } from './merge-snapshots.ts';
import { withRates } from './rates.ts';

const T = 1_700_000_000_000;
const options = { cluster: 'default', intervalMs: 5000 };

function viewAt(now: number, nodes: { id: string; startedAt: number; counters: Partial<NodeCounters> }[]) {
  const records = nodes.map((n) =>
    sampleRecord(
      sampleSnapshot({ node: { id: n.id, startedAt: n.startedAt }, counters: n.counters }),
      now - 500,
    ),
  );
  return mergeSnapshots(records, now, options);
}

describe('withRates', () => {
  it('leaves rates null without a previous view', () => {
    const view = viewAt(T, [{ id: 'a', startedAt: T - 60_000, counters: {} }]);
    expect(withRates(view, null).connections.rate['1m']).toBeNull();
  });

  it('computes per-minute connect rates and per-second throughput from summed node deltas', () => {
    const before = viewAt(T, [
      {
        id: 'a',
        startedAt: T - 60_000,
        counters: { connects: 10, disconnects: 4, eventsIn: 100, eventsOut: 50 },
      },
      {
        id: 'b',
        startedAt: T - 60_000,
        counters: { connects: 20, disconnects: 0, eventsIn: 200, eventsOut: 0 },
      },
    ]);
    const after = viewAt(T + 60_000, [
      {
        id: 'a',
        startedAt: T - 60_000,
        counters: { connects: 16, disconnects: 7, eventsIn: 700, eventsOut: 650 },
      },
      {
        id: 'b',
        startedAt: T - 60_000,
        counters: { connects: 26, disconnects: 3, eventsIn: 800, eventsOut: 600 },
      },
    ]);
    const rated = withRates(after, before);
    expect(rated.connections.rate['1m']).toBe(12);
    expect(rated.disconnections.rate['1m']).toBe(6);
    expect(rated.events.throughput).toEqual({ '1m': 20, inbound: 20, outbound: 20 });
  });

  it('treats a node restart between views as counters starting over, never a negative rate', () => {
    const before = viewAt(T, [
      { id: 'a', startedAt: T - 600_000, counters: { connects: 500, eventsIn: 9000 } },
    ]);
    const after = viewAt(T + 30_000, [
      { id: 'a', startedAt: T + 20_000, counters: { connects: 6, eventsIn: 30 } },
    ]);
    const rated = withRates(after, before);
    expect(rated.connections.rate['1m']).toBe(12);
    expect(rated.events.throughput.inbound).toBe(1);
  });

  it('detects a restart from a counter going down even with the same startedAt', () => {
    const before = viewAt(T, [{ id: 'a', startedAt: T - 1000, counters: { connects: 50, eventsIn: 100 } }]);
    const after = viewAt(T + 10_000, [
      { id: 'a', startedAt: T - 1000, counters: { connects: 50, eventsIn: 20 } },
    ]);
    expect(withRates(after, before).events.throughput.inbound).toBe(2);
  });

  it('counts a new node from zero only if it started after the previous view', () => {
    const before = viewAt(T, [{ id: 'a', startedAt: T - 60_000, counters: { eventsIn: 0 } }]);
    const after = viewAt(T + 10_000, [
      { id: 'a', startedAt: T - 60_000, counters: { eventsIn: 0 } },
      { id: 'fresh', startedAt: T + 2000, counters: { eventsIn: 50 } },
      { id: 'unseen-before', startedAt: T - 3_600_000, counters: { eventsIn: 1_000_000 } },
    ]);
    expect(withRates(after, before).events.throughput.inbound).toBe(5);
  });
});
