import { mergeSnapshots, NodeSnapshot } from '@telltale/shared';
import { describe, expect, it } from 'vitest';
import { realisticSnapshot } from './snapshots.ts';

describe('realisticSnapshot', () => {
  it('is a valid snapshot whose size grows with its sockets', () => {
    const small = realisticSnapshot('c', 1, 10, 1_700_000_000_000);
    const big = realisticSnapshot('c', 1, 100, 1_700_000_000_000);
    expect(NodeSnapshot.safeParse(big).success).toBe(true);
    expect(big.gauges.connections).toBe(100);
    expect(JSON.stringify(big).length).toBeGreaterThan(1.5 * JSON.stringify(small).length);
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
  });
});
