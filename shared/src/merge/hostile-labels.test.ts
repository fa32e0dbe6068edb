import { describe, expect, it } from 'vitest';
import { ClusterView } from '../schema/cluster.ts';
import { sampleRecord, sampleSnapshot } from './fixtures.ts';
import { mergeSnapshots } from './merge-snapshots.ts';

// Event names and room names are chosen by clients; Object.prototype's names must stay plain labels.
describe('mergeSnapshots with client-chosen label names', () => {
  it('sums events named like Object.prototype members as ordinary counts', () => {
    const byType = { constructor: 2, toString: 3, valueOf: 1, hasOwnProperty: 4 };
    const nodes = ['a', 'b'].map((id) =>
      sampleRecord(
        sampleSnapshot({
          node: { id },
          counters: { eventsIn: 10, eventsInByType: byType },
          rooms: { total: 1, members: 2, byPrefix: { constructor: 1 }, top: [['/', 'constructor:1', 2]] },
        }),
        1_700_000_000_000,
      ),
    );
    const view = mergeSnapshots(nodes, 1_700_000_000_000, { cluster: 'default', intervalMs: 5000 });

    expect(view.events.by_type).toEqual({ constructor: 4, toString: 6, valueOf: 2, hasOwnProperty: 8 });
    expect(view.rooms.by_prefix.constructor).toBe(2);
    expect(ClusterView.safeParse(view).success).toBe(true);
  });
});

describe('the merged view', () => {
  it('is made of ordinary objects, which workerd can send over Durable Object RPC', () => {
    // JSON.parse makes `__proto__` an own key, as it arrives from a node's snapshot.
    const byType: Record<string, number> = JSON.parse('{"__proto__": 1, "constructor": 2}');
    const record = sampleRecord(sampleSnapshot({ counters: { eventsIn: 3, eventsInByType: byType } }));
    const view = mergeSnapshots([record], 1_700_000_000_000, { cluster: 'default', intervalMs: 5000 });
    for (const counts of [view.events.by_type, view.connections.by_namespace, view.rooms.by_prefix]) {
      expect(Object.getPrototypeOf(counts)).toBe(Object.prototype);
    }
    expect(Object.getOwnPropertyDescriptor(view.events.by_type, 'constructor')?.value).toBe(2);
  });
});
