import { describe, expect, it } from 'vitest';
import { CursorPager } from './pager.ts';

/** A pager and how many fetches it has asked for. */
function counted(): { pager: CursorPager; fetches: () => number } {
  let fetches = 0;
  return { pager: new CursorPager(() => fetches++), fetches: () => fetches };
}

describe('CursorPager', () => {
  it('starts on page 1 with no cursor', () => {
    const { pager } = counted();
    expect([pager.page, pager.cursor]).toEqual([1, null]);
  });

  it('walks forward through the cursors the API gave and back the same way, fetching on each move', () => {
    const { pager, fetches } = counted();
    pager.forward('c2');
    pager.forward('c3');
    expect([pager.page, pager.cursor, fetches()]).toEqual([3, 'c3', 2]);
    pager.back();
    expect([pager.page, pager.cursor, fetches()]).toEqual([2, 'c2', 3]);
    pager.back();
    expect([pager.page, pager.cursor]).toEqual([1, null]);
  });

  it('stays on the first page when asked to go back from it', () => {
    const { pager } = counted();
    pager.back();
    expect([pager.page, pager.cursor]).toEqual([1, null]);
  });

  it('returns to the first page on reset without fetching', () => {
    const { pager, fetches } = counted();
    pager.forward('c2');
    pager.reset();
    expect([pager.page, pager.cursor, fetches()]).toEqual([1, null, 1]);
  });
});
