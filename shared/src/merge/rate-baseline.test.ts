import { describe, expect, it } from 'vitest';
import { sampleRecord, sampleSnapshot } from './fixtures.ts';
import { mergeSnapshots } from './merge-snapshots.ts';
import { RateBaseline } from './rate-baseline.ts';

const T = 1_700_000_000_000;
const STARTED = T - 600_000;

/** A one-node view at `T + s` seconds whose node has connected `connects` sockets so far. */
function viewAt(s: number, connects: number) {
  const now = T + s * 1000;
  const snapshot = sampleSnapshot({ node: { id: 'a', startedAt: STARTED }, counters: { connects } });
  return mergeSnapshots([sampleRecord(snapshot, now - 500)], now, { cluster: 'default', intervalMs: 5000 });
}

describe('RateBaseline', () => {
  it('has no rate for the first view', () => {
    expect(new RateBaseline(5000).rateAndKeep(viewAt(0, 10)).connections.rate['1m']).toBeNull();
  });

  it('measures over the newest view a minute old, not one tick more, on 5 s ticks', () => {
    // 60 connects in the five seconds before the view a minute old, then one a second: over the
    // last minute that is 60 a minute. The aggregator used to take the oldest view within a
    // minute and a tick (65 s back) and said (120 - 0) / 65 s = 110.8 a minute.
    const rates = new RateBaseline(5000);
    const counts = new Map<number, number>([[-65, 0]]);
    for (let s = -60; s <= 0; s += 5) counts.set(s, 60 + (s + 60));
    let last = null;
    for (const [s, connects] of [...counts].sort((a, b) => a[0] - b[0]))
      last = rates.rateAndKeep(viewAt(s, connects));
    expect(last?.connections.rate['1m']).toBe(60);
  });

  it('takes the oldest view while none is a minute old yet', () => {
    const rates = new RateBaseline(5000);
    rates.rateAndKeep(viewAt(0, 0));
    rates.rateAndKeep(viewAt(10, 5));
    expect(rates.rateAndKeep(viewAt(30, 15)).connections.rate['1m']).toBe(30);
  });

  it('skips a baseline from the same moment or later (the clock went back)', () => {
    const rates = new RateBaseline(60_000);
    rates.rateAndKeep(viewAt(0, 0));
    rates.rateAndKeep(viewAt(100, 50));
    expect(rates.rate(viewAt(60, 30)).connections.rate['1m']).toBe(30);
  });

  it('forgets views older than a minute and the slack before the newest, without keeping rated-only views', () => {
    const rates = new RateBaseline(30_000);
    rates.rateAndKeep(viewAt(0, 0));
    rates.rate(viewAt(50, 1000));
    rates.rateAndKeep(viewAt(80, 40));
    expect(rates.rate(viewAt(90, 50)).connections.rate['1m']).toBe(33.333333333333336);
    rates.rateAndKeep(viewAt(91, 55));
    expect(rates.rate(viewAt(100, 70)).connections.rate['1m']).toBe(90);
  });
});
