import { InvalidCursorError } from '@telltale/shared';
import { describe, expect, it } from 'vitest';
import { compareRooms, pageRooms, type RoomRow } from './room-table.ts';

const table = (rows: RoomRow[]) => [...rows].sort(compareRooms);

describe('pageRooms', () => {
  const rooms = table([
    { name: 'thread:a', size: 5 },
    { name: 'thread:b', size: 5 },
    { name: 'user:ü', size: 3 },
    { name: 'thread:c', size: 1 },
  ]);

  it('pages largest first with keyset cursors, names with any characters included', () => {
    const first = pageRooms(rooms, { limit: 2 }, false);
    expect(first.items.map((r) => r.name)).toEqual(['thread:a', 'thread:b']);
    const second = pageRooms(rooms, { limit: 2, cursor: first.nextCursor! }, false);
    expect(second.items.map((r) => r.name)).toEqual(['user:ü', 'thread:c']);
    expect(second.nextCursor).toBeNull();
  });

  it('keeps its place when the table changes between pages', () => {
    const first = pageRooms(rooms, { limit: 2 }, false);
    const grown = table([...rooms, { name: 'thread:0', size: 9 }, { name: 'thread:bb', size: 4 }]);
    const second = pageRooms(grown, { limit: 10, cursor: first.nextCursor! }, false);
    expect(second.items.map((r) => r.name)).toEqual(['thread:bb', 'user:ü', 'thread:c']);
  });

  it('filters by prefix and counts what matched', () => {
    const page = pageRooms(rooms, { limit: 10, prefix: 'thread:' }, true);
    expect(page.total).toBe(3);
    expect(page.approximate).toBe(true);
  });

  it('refuses a cursor it did not issue', () => {
    expect(() => pageRooms(rooms, { limit: 2, cursor: 'bm9wZQ' }, false)).toThrow(InvalidCursorError);
  });
});
