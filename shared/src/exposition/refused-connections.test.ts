import { describe, expect, it } from 'vitest';
import { sampleRecord, sampleSnapshot } from '../merge/fixtures.ts';
import { mergeSnapshots } from '../merge/merge-snapshots.ts';
import { renderPrometheus } from './render.ts';

const NOW = 1_700_000_060_000;

describe('telltale_connections_refused_total', () => {
  it('counts refusals per node and reason, both reasons from 0, and /metrics JSON sums them', () => {
    const a = sampleSnapshot({
      node: { id: 'node-a' },
      counters: { refusedConnections: { maintenance: 4 } },
    });
    const b = sampleSnapshot({
      node: { id: 'node-b' },
      counters: { refusedConnections: { maintenance: 1, draining: 2 } },
    });
    const view = mergeSnapshots([sampleRecord(a, NOW - 500), sampleRecord(b, NOW - 500)], NOW, {
      cluster: 'default',
      intervalMs: 5000,
    });
    expect(view.connections.refused).toEqual({ count: 7, by_reason: { maintenance: 5, draining: 2 } });
    const lines = renderPrometheus(view)
      .split('\n')
      .filter((line) => line.startsWith('telltale_connections_refused_total'));
    expect(lines).toEqual([
      'telltale_connections_refused_total{node="node-a",reason="maintenance"} 4',
      'telltale_connections_refused_total{node="node-a",reason="draining"} 0',
      'telltale_connections_refused_total{node="node-b",reason="maintenance"} 1',
      'telltale_connections_refused_total{node="node-b",reason="draining"} 2',
    ]);
  });
});
