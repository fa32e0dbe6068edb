import { mergeSnapshots, NodeSnapshot } from '@telltale/shared';
import { describe, expect, it } from 'vitest';
import { realisticNode, realisticSnapshot } from './snapshots.ts';

describe('realisticSnapshot', () => {
  it('is a valid snapshot of constant size whatever its sockets, its rooms and users in the changes', () => {
    const small = realisticNode('c', 1, 10, 1_700_000_000_000);
    const big = realisticNode('c', 1, 10_000, 1_700_000_000_000);
    expect(NodeSnapshot.safeParse(big.snapshot).success).toBe(true);
    expect(big.snapshot.gauges.connections).toBe(10_000);
    // Only its counters grow, by digits.
    expect(JSON.stringify(big.snapshot).length).toBeLessThan(JSON.stringify(small.snapshot).length + 300);
    expect(big.changes.users).toHaveLength(9_000);
    expect(big.changes.rooms).toHaveLength(10_000 + 2_000 + 2);
  });

  it('merges across nodes with user rooms kept apart and thread rooms shared by name', () => {
    const now = 1_700_000_000_000;
    const records = [0, 1].map((i) => {
      const snapshot = realisticSnapshot('c', i, 20, now);
      return { nodeId: snapshot.node.id, lastFlushAt: now, raw: JSON.stringify(snapshot) };
    });
    const view = mergeSnapshots(records, now, { cluster: 'c', intervalMs: 5000 });
    expect(view.nodes.live).toBe(2);
    expect(view.connections.total).toBe(40);
    expect(view.rooms.by_prefix.user).toBe(40);
    expect(view.rooms.approximate).toBe(true);
  });
});
