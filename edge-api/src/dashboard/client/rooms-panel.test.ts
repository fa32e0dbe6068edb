import { MAX_LABEL_LENGTH } from '@telltale/shared';
import { describe, expect, it } from 'vitest';
import { chipFilter } from './rooms-panel.ts';

describe('chipFilter', () => {
  it('filters by `<prefix>:` for every prefix a snapshot can name', () => {
    expect(chipFilter('thread')).toBe('thread:');
    const longest = 'x'.repeat(MAX_LABEL_LENGTH);
    expect(chipFilter(longest)).toBe(`${longest}:`);
  });

  it('offers no filter for a prefix /admin/rooms would refuse', () => {
    expect(chipFilter('p'.repeat(250))).toBeNull();
  });
});
