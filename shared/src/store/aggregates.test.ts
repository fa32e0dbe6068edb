import { describe, expect, it } from 'vitest';
import type { AggregateChanges } from '../schema/aggregates.ts';
import { chunkChanges } from './aggregates.ts';

const changes = (rooms: number, users: number, whole: boolean): AggregateChanges => ({
  whole,
  rooms: Array.from({ length: rooms }, (_, i) => ({ namespace: '/p', name: `r${i}`, size: 1 })),
  users: Array.from({ length: users }, (_, i): [string, 'online'] => [`u${i}`, 'online']),
});

describe('chunkChanges', () => {
  it('keeps a change set that fits one script as it is', () => {
    const small = changes(3, 2, true);
    expect(chunkChanges(small, 5)).toEqual([small]);
  });

  it('cuts rooms then users into chunks of the size, in order; only the first keeps the mode', () => {
    const chunks = chunkChanges(changes(5, 4, true), 4);
    expect(chunks.map((c) => [c.whole, c.rooms.map((r) => r.name), c.users.map(([u]) => u)])).toEqual([
      [true, ['r0', 'r1', 'r2', 'r3'], []],
      [false, ['r4'], ['u0', 'u1', 'u2']],
      [false, [], ['u3']],
    ]);
  });

  it('leaves a delta a delta in every chunk', () => {
    expect(chunkChanges(changes(4, 4, false), 3).every((c) => !c.whole)).toBe(true);
  });
});
