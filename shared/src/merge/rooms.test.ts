import { describe, expect, it } from 'vitest';
import type { NodeRooms } from '../schema/snapshot.ts';
import { seededRandom } from '../sketch/random.ts';
import { compareRooms, mergeRooms, type Room, RoomUnion, roomPrefix } from './rooms.ts';

/** The union spelled out the slow, obvious way, to check the one-pass version against. */
function naive(nodes: NodeRooms[]) {
  const sizes = new Map<string, number>();
  for (const node of nodes)
    for (const [name, size] of node.sizes) sizes.set(name, (sizes.get(name) ?? 0) + size);
  const prefixes = new Map<string, number>();
  for (const name of sizes.keys()) prefixes.set(roomPrefix(name), (prefixes.get(roomPrefix(name)) ?? 0) + 1);
  const table: Room[] = [...sizes].map(([name, size]) => ({ name, size })).sort(compareRooms);
  return { byPrefix: Object.fromEntries(prefixes), table };
}

/** Nodes sharing some rooms, with prefixes interleaved, odd names (`:x`, no colon, empty) and ties. */
function randomNodes(seed: number, count: number): NodeRooms[] {
  const random = seededRandom(seed);
  const pick = <T>(items: T[]) => items[Math.floor(random() * items.length)]!;
  const prefixes = ['user', 'thread', 'presence', 'user:x', '', 'lobby', 'constructor', 'ü'];
  return Array.from({ length: count }, () => {
    const names = new Set<string>();
    const want = Math.floor(random() * 40);
    while (names.size < want) {
      const prefix = pick(prefixes);
      const id = Math.floor(random() * 30);
      names.add(random() < 0.1 ? `${prefix}${id}` : `${prefix}:${id}`);
    }
    const sizes = [...names].map((name): [string, number] => [name, 1 + Math.floor(random() * 4)]);
    if (random() < 0.5) sizes.sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1));
    return { byPrefix: {}, sizes, truncated: false };
  });
}

describe('RoomUnion', () => {
  it.each([1, 2, 3, 4, 5])(
    'counts prefixes and sorts the table as the obvious union does (seed %i)',
    (seed) => {
      const nodes = randomNodes(seed, 25);
      const union = new RoomUnion();
      for (const node of nodes) union.add(node);
      const expected = naive(nodes);

      const summary = union.summary(Number.POSITIVE_INFINITY);
      expect(summary.by_prefix).toEqual(expected.byPrefix);
      expect(summary.total).toBe(expected.table.length);
      expect(union.table()).toEqual(expected.table);
      expect(summary.top).toEqual(expected.table);
      expect(union.summary(10).top).toEqual(expected.table.slice(0, 10));
    },
  );

  it('keeps counting after a summary and re-sorts the table once more rooms arrive', () => {
    const union = new RoomUnion();
    union.add({ byPrefix: {}, sizes: [['user:1', 1]], truncated: false });
    expect(union.summary().by_prefix).toEqual({ user: 1 });
    expect(union.table()).toEqual([{ name: 'user:1', size: 1 }]);
    union.add({
      byPrefix: {},
      sizes: [
        ['user:2', 3],
        ['user:1', 1],
      ],
      truncated: false,
    });
    expect(union.summary().by_prefix).toEqual({ user: 2 });
    expect(union.table()).toEqual([
      { name: 'user:2', size: 3 },
      { name: 'user:1', size: 2 },
    ]);
  });

  it('reports approximate once a node capped its list', () => {
    const union = new RoomUnion();
    union.add({ byPrefix: { thread: 1 }, sizes: [['thread:1', 1]], truncated: false });
    expect(union.approximate).toBe(false);
    union.add({ byPrefix: { thread: 40 }, sizes: [['thread:2', 9]], truncated: true });
    expect(union.approximate).toBe(true);
    expect(mergeRooms([{ byPrefix: { thread: 40 }, sizes: [], truncated: true }]).total).toBe(40);
  });
});
