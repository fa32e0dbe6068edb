import { describe, expect, it } from 'vitest';
import { Backoff } from './backoff.ts';

describe('Backoff', () => {
  it('doubles the ceiling up to the maximum, with jitter in its upper half, and resets', () => {
    const low = new Backoff(1000, 8000, () => 0);
    expect([low.next(), low.next(), low.next(), low.next(), low.next()]).toEqual([
      500, 1000, 2000, 4000, 4000,
    ]);
    const high = new Backoff(1000, 8000, () => 1);
    expect([high.next(), high.next(), high.next(), high.next(), high.next()]).toEqual([
      1000, 2000, 4000, 8000, 8000,
    ]);
    high.reset();
    expect(high.next()).toBe(1000);
  });
});
