import { describe, expect, it } from 'vitest';
import { median, percentile, ratio, round, Samples, summarize } from './stats.ts';

describe('stats', () => {
  it('interpolates percentiles between ranks', () => {
    expect(percentile([1, 2, 3, 4], 0.5)).toBe(2.5);
    expect(percentile([10, 1, 5], 0)).toBe(1);
    expect(percentile([10, 1, 5], 1)).toBe(10);
    expect(percentile([], 0.5)).toBeNaN();
  });

  it('summarizes without touching the input order', () => {
    const input = [5, 1, 4, 2, 3];
    const s = summarize(input);
    expect(s).toMatchObject({ n: 5, p50: 3, mean: 3, max: 5 });
    expect(s.p99).toBeCloseTo(4.96, 5);
    expect(input).toEqual([5, 1, 4, 2, 3]);
    expect(median([3, 1, 2])).toBe(2);
  });

  it('refuses a ratio against a zero baseline', () => {
    expect(ratio(5, 10)).toBe(0.5);
    expect(ratio(5, 0)).toBeNaN();
  });

  it('rounds to fewer decimals as numbers grow', () => {
    expect(round(0.123456)).toBe(0.123);
    expect(round(12.3456)).toBe(12.35);
    expect(round(12345.6)).toBe(12346);
  });

  it('grows the sample buffer and empties it on take', () => {
    const samples = new Samples();
    for (let i = 0; i < 3000; i++) samples.push(i);
    expect(samples.length).toBe(3000);
    const taken = samples.take();
    expect(taken.length).toBe(3000);
    expect(taken[2999]).toBe(2999);
    expect(samples.length).toBe(0);
  });
});
