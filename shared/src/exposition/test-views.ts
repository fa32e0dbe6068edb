import { sampleRecord, sampleSnapshot } from '../merge/fixtures.ts';
import { mergeSnapshots } from '../merge/merge-snapshots.ts';
import type { ClusterView } from '../schema/cluster.ts';
import { lognormal, seededRandom } from '../sketch/random.ts';

export const NASTY = 'say "hi"\\n\nnext line \\ {brace} ünï';

/** A busy three-node view with a lost and an invalid node and hostile label values, for exposition tests. */
export function busyView(): ClusterView {
  const now = 1_700_000_060_000;
  const random = seededRandom(8);
  const fast = lognormal(random, 3, 0.7);
  const slow = lognormal(random, 90, 1);
  const a = sampleSnapshot({
    node: { id: 'node-a' },
    latencyMs: Array.from({ length: 4000 }, fast),
    counters: { eventsIn: 4000, eventsInByType: { heartbeat: 3000, [NASTY]: 900 }, errors: 3 },
  });
  const b = sampleSnapshot({
    node: { id: 'node-b', version: 'v"2"' },
    latencyMs: Array.from({ length: 500 }, slow),
    gauges: { connections: 9, byNamespace: { '/portal': 9 }, byTransport: { polling: 9 } },
    counters: { disconnects: 3, disconnectReasons: { 'transport close': 1, [NASTY]: 2 } },
    infra: {
      uptimeSec: 3600,
      memory: { rss: 1, heapUsed: 1, heapTotal: 1, external: 0 },
      cpuPercent: 12,
      eventLoop: { meanMs: 1, p50Ms: 1, p99Ms: 40, maxMs: 90 },
      redis: { connected: false, latencyMs: null },
    },
  });
  return mergeSnapshots(
    [
      sampleRecord(a, now - 1000),
      sampleRecord(b, now - 2000),
      { nodeId: 'node-lost', lastFlushAt: now - 30_000, raw: null },
      { nodeId: 'node-bad', lastFlushAt: now - 1000, raw: 'not json' },
    ],
    now,
    { cluster: 'default', intervalMs: 5000 },
  );
}
