import { describe, expect, it } from 'vitest';
import { foldCounts, isLabel, labelOf, OVERFLOW_LABEL } from './labels.ts';
import { roomPrefix } from './rooms.ts';

describe('labels chosen by clients', () => {
  it('are kept up to 64 code units without control characters or lone surrogates', () => {
    expect(isLabel('join:thread')).toBe(true);
    expect(isLabel('€'.repeat(64))).toBe(true);
    expect(isLabel('😀'.repeat(32))).toBe(true);
    for (const bad of ['', 'x'.repeat(65), 'x'.repeat(500_000), 'a\nb', 'tab\there', '\u0000', '\uD800x']) {
      expect(labelOf(bad)).toBe(OVERFLOW_LABEL);
    }
  });

  it('fold into other past the cap, the smallest counts first, names in order among equals', () => {
    const counts = { b: 1, a: 1, big: 9, c: 1, [`${'x'.repeat(65)}`]: 5, other: 2 };
    expect(foldCounts(counts, 2)).toEqual({ big: 9, a: 1, other: 1 + 1 + 5 + 2 });
    expect(foldCounts({ a: 1, b: 2 }, 2)).toEqual({ a: 1, b: 2 });
    expect(foldCounts({ constructor: 3, __proto__: 1 } as Record<string, number>, 5)).toEqual({
      constructor: 3,
    });
  });
});

describe('roomPrefix', () => {
  it('is the part before the first colon when that is a label, otherwise other', () => {
    expect(roomPrefix('thread:42')).toBe('thread');
    expect(roomPrefix('user:a:b')).toBe('user');
    expect(roomPrefix('secret-game-0-0')).toBe(OVERFLOW_LABEL);
    expect(roomPrefix(':leading')).toBe(OVERFLOW_LABEL);
    expect(roomPrefix(`${'p'.repeat(65)}:x`)).toBe(OVERFLOW_LABEL);
    expect(roomPrefix('\u0001:x')).toBe(OVERFLOW_LABEL);
  });
});
