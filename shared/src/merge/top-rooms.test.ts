import { describe, expect, it } from 'vitest';
import { sampleRecord, sampleSnapshot } from './fixtures.ts';
import { mergeSnapshots } from './merge-snapshots.ts';

const manyRooms = (count: number) =>
  sampleSnapshot({
    rooms: {
      byPrefix: { thread: count },
      sizes: Array.from({ length: count }, (_, i) => [`thread:${i}`, count - i] as [string, number]),
    },
  });

describe('mergeSnapshots topRooms', () => {
  const snapshot = manyRooms(25);
  const at = snapshot.node.flushedAt;

  it('lists the 10 largest rooms by default', () => {
    const view = mergeSnapshots([sampleRecord(snapshot)], at, { cluster: 'default', intervalMs: 5000 });
    expect(view.rooms.top).toHaveLength(10);
    expect(view.rooms.top[0]).toEqual({ name: 'thread:0', size: 25 });
  });

  it('keeps every room when asked for all of them, largest first', () => {
    const view = mergeSnapshots([sampleRecord(snapshot)], at, {
      cluster: 'default',
      intervalMs: 5000,
      topRooms: Number.POSITIVE_INFINITY,
    });
    expect(view.rooms.top).toHaveLength(25);
    expect(view.rooms.top.at(-1)).toEqual({ name: 'thread:24', size: 1 });
    expect(view.rooms.total).toBe(25);
  });
});
