import { describe, expect, it } from 'vitest';
import { compareRooms, roomPrefix, roomsFromNodes } from './rooms.ts';

describe('roomPrefix', () => {
  it('is the part before the first colon, or other when that is no label', () => {
    expect(roomPrefix('thread:42')).toBe('thread');
    expect(roomPrefix('user:u1:x')).toBe('user');
    expect(roomPrefix('lobby')).toBe('other');
    expect(roomPrefix(':x')).toBe('other');
    expect(roomPrefix(`${'p'.repeat(65)}:x`)).toBe('other');
    expect(roomPrefix('a\u0000b:x')).toBe('other');
  });
});

describe('roomsFromNodes', () => {
  it("sums the nodes' summaries and merges their top lists by namespace and name", () => {
    const rooms = roomsFromNodes([
      {
        total: 2,
        members: 5,
        byPrefix: { thread: 2 },
        top: [
          ['/a', 'thread:1', 4],
          ['/b', 'thread:1', 1],
        ],
      },
      { total: 1, members: 2, byPrefix: { thread: 1 }, top: [['/a', 'thread:1', 2]] },
    ]);
    expect(rooms.top).toEqual([
      { namespace: '/a', name: 'thread:1', size: 6 },
      { namespace: '/b', name: 'thread:1', size: 1 },
    ]);
    expect(rooms).toMatchObject({ total: 3, by_prefix: { thread: 3 }, avg_size: 7 / 3, approximate: true });
  });

  it('orders rooms largest first, then by namespace and name', () => {
    const rows = [
      { namespace: '/b', name: 'a', size: 1 },
      { namespace: '/a', name: 'b', size: 1 },
      { namespace: '/a', name: 'a', size: 1 },
      { namespace: '/z', name: 'z', size: 2 },
    ];
    expect(rows.sort(compareRooms).map((r) => `${r.namespace} ${r.name}`)).toEqual([
      '/z z',
      '/a a',
      '/a b',
      '/b a',
    ]);
  });
});
