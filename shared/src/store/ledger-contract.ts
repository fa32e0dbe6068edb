import { expect, it } from 'vitest';
import type { SnapshotOverrides } from '../merge/fixtures.ts';
import { sampleSnapshot } from '../merge/fixtures.ts';
import { AGGREGATE_LABELS } from '../schema/aggregates.ts';
import { pulseOf } from '../schema/pulse.ts';
import type { StoreHarness } from './contract.ts';
import { type ClusterLedger, sketchDataOf } from './ledger.ts';
import type { ClusterStore } from './port.ts';

const T0 = 1_700_000_000_000;
let seq = 0;
const freshCluster = (label: string) => `ledger-${label}-${process.pid}-${++seq}`;

function flush(store: ClusterStore, nodeId: string, overrides: SnapshotOverrides, ttlMs = 60_000) {
  return store.flush({
    snapshot: sampleSnapshot({ ...overrides, node: { id: nodeId, cluster: store.cluster, flushedAt: T0 } }),
    sockets: { upsert: [], remove: [] },
    ttlMs,
  });
}

const labels = (ledger: ClusterLedger, part: keyof ClusterLedger['labels']) =>
  Object.fromEntries(ledger.labels[part].top);

/** 14 significant digits: what Redis' cjson keeps of a float in the pulse it writes. */
const rounded = (values: unknown[]) =>
  values.map((v) => (typeof v === 'number' && !Number.isInteger(v) ? Number(v.toPrecision(14)) : v));

/**
 * The cluster ledger and the pulse, the same on every adapter: label maps and sketches summed across
 * nodes, a node's share replaced by each flush and removed once when it goes, and beside each
 * snapshot the pulse a tick reads. Registered inside `describeStoreContract`.
 */
export function describeLedgerContract(harness: () => StoreHarness): void {
  it('sums label maps and sketches across nodes; a repeated flush changes nothing; a label at 0 stays listed while reported', async () => {
    const store = harness().store.forCluster(freshCluster('sums'));
    const a = {
      gauges: { connections: 3, byNamespace: { '/hub': 3, '/admin': 0 }, byTransport: { websocket: 3 } },
      counters: { disconnectReasons: { 'transport close': 2 }, eventsInByType: { ping: 5, chat: 1 } },
      latencyMs: [1, 2, 4],
    };
    await flush(store, 'node-a', a);
    await flush(store, 'node-a', a);
    await flush(store, 'node-b', {
      gauges: { connections: 2, byNamespace: { '/hub': 2 }, byTransport: { polling: 2 } },
      counters: { disconnectReasons: { 'ping timeout': 1 }, eventsInByType: { ping: 7 } },
      latencyMs: [4, 100],
    });
    const { ledger } = await store.readCluster();
    expect(labels(ledger, 'ns')).toEqual({ '/hub': 5, '/admin': 0 });
    expect(labels(ledger, 'tr')).toEqual({ websocket: 3, polling: 2 });
    expect(labels(ledger, 'dr')).toEqual({ 'transport close': 2, 'ping timeout': 1 });
    expect(labels(ledger, 'in')).toEqual({ ping: 12, chat: 1 });
    expect(ledger.labels.in.top[0]).toEqual(['ping', 12]);
    const window = sketchDataOf(ledger.window, 1, 100);
    expect(window).toMatchObject({ n: 5, sum: 111, z: 0 });
    expect(window!.b.reduce((x, y) => x + y, 0)).toBe(5);

    // node-a stops reporting /admin and chat: they go; a node's new values replace its old ones.
    await flush(store, 'node-a', {
      ...a,
      gauges: { ...a.gauges, byNamespace: { '/hub': 1 } },
      counters: { disconnectReasons: {}, eventsInByType: { ping: 9 } },
    });
    const after = (await store.readCluster()).ledger;
    expect(labels(after, 'ns')).toEqual({ '/hub': 3 });
    expect(labels(after, 'in')).toEqual({ ping: 16 });
    expect(labels(after, 'dr')).toEqual({ 'ping timeout': 1 });
  });

  it('takes a lost node’s share out once, and a node whose share went adds it whole again', async () => {
    const store = harness().store.forCluster(freshCluster('lost'));
    await flush(store, 'node-a', { counters: { eventsInByType: { ping: 5 } }, latencyMs: [1, 2] }, 150);
    await flush(store, 'node-b', { counters: { eventsInByType: { ping: 1 } }, latencyMs: [3] });
    await harness().elapse(400);
    const [first, second] = await Promise.all([store.readCluster(), store.readCluster()]);
    for (const read of [first, second, await store.readCluster()]) {
      expect(labels(read.ledger, 'in')).toEqual({ ping: 1 });
      expect(read.ledger.window.n).toBe(1);
    }
    // The lost node comes back (a stall ended): its share is added whole, not as a difference.
    await flush(store, 'node-a', { counters: { eventsInByType: { ping: 6 } }, latencyMs: [1, 2] });
    const back = (await store.readCluster()).ledger;
    expect(labels(back, 'in')).toEqual({ ping: 7 });
    expect(back.window.n).toBe(3);
    await store.leave({
      snapshot: sampleSnapshot({ node: { id: 'node-a', cluster: store.cluster } }),
      ttlMs: 60_000,
    });
    await store.deregister('node-b');
    const empty = (await store.readCluster()).ledger;
    expect(empty.labels.in).toEqual({ top: [], distinct: 0 });
    expect(empty.window.n).toBe(0);
    expect(empty.window.buckets.size).toBe(0);
  });

  it(`reads each label map's ${AGGREGATE_LABELS} largest by name, and how many there are`, async () => {
    const store = harness().store.forCluster(freshCluster('top'));
    const types = Object.fromEntries(Array.from({ length: 60 }, (_, i) => [`t${i}`, i + 1]));
    await flush(store, 'node-a', { counters: { eventsInByType: types } });
    const { ledger } = await store.readCluster();
    expect(ledger.labels.in.distinct).toBe(60);
    expect(ledger.labels.in.top).toHaveLength(AGGREGATE_LABELS);
    expect(ledger.labels.in.top[0]).toEqual(['t59', 60]);
    expect(ledger.labels.in.top.at(-1)).toEqual(['t10', 11]);
  });

  it('writes beside each snapshot the pulse a tick reads, and reads pulses, not snapshots', async () => {
    const store = harness().store.forCluster(freshCluster('pulse'));
    const snapshot = sampleSnapshot({
      node: { id: 'node-a', cluster: store.cluster, flushedAt: T0, mode: 'draining' },
      counters: { refusedConnections: { draining: 2, maintenance: 1 } },
    });
    await store.flush({ snapshot, sockets: { upsert: [], remove: [] }, ttlMs: 60_000 });
    const { nodes } = await store.readCluster();
    expect(nodes).toHaveLength(1);
    expect(rounded(JSON.parse(nodes[0]!.pulse!))).toEqual(rounded(pulseOf(snapshot)));
    expect(pulseOf(snapshot)[18]).toBe(3);
  });
}
