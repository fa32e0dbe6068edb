import type { ClusterAggregates } from '../schema/aggregates.ts';
import type { ClusterView, DepartedNode } from '../schema/cluster.ts';
import { nodePulse } from '../schema/pulse.ts';
import type { NodeRooms, NodeSnapshot } from '../schema/snapshot.ts';
import { LedgerBook } from '../store/ledger.ts';
import type { NodeRecord } from '../store/port.ts';
import { departedNode, type MergeOptions, mergeView, type PulseNode } from './merge-cluster.ts';
import { readNode } from './read-node.ts';

export interface SnapshotMergeOptions extends MergeOptions {
  /**
   * The cluster-wide aggregates: rooms and distinct users come from them, exactly. Without them the
   * view sums the nodes' own counts (exact for one node).
   */
  aggregates?: ClusterAggregates;
}

/**
 * A view from whole snapshots (`readNodes`, or one node's own): the same merge as a tick's, with
 * the ledger summed here, and each counted node's counters by label and sketch attached. A node
 * serves its own `/metrics` this way; the edge's ticks read pulses instead (`mergeCluster`).
 */
export function mergeSnapshots(
  records: NodeRecord[],
  now: number,
  options: SnapshotMergeOptions,
): ClusterView {
  const nodes: PulseNode[] = [];
  const departed: DepartedNode[] = [];
  const ledger = new LedgerBook();
  const roomLists: NodeRooms[] = [];
  const detail = new Map<string, NodeSnapshot>();
  for (const record of records) {
    if (record.raw === null && record.farewell) {
      const farewell = readNode({ ...record, raw: record.farewell }, options.cluster);
      if (farewell.kind === 'valid') departed.push(departedNode(farewell.snapshot));
      continue;
    }
    const node = readNode(record, options.cluster);
    if (node.kind !== 'valid') {
      nodes.push(node);
      continue;
    }
    const { nodeId, lastFlushAt, snapshot } = node;
    nodes.push({ nodeId, lastFlushAt, kind: 'valid', pulse: nodePulse(snapshot) });
    ledger.flush(nodeId, snapshot);
    roomLists.push(snapshot.rooms);
    detail.set(nodeId, snapshot);
  }
  const view = mergeView(
    {
      nodes,
      departed,
      ledger: ledger.read(),
      roomLists,
      ...(options.aggregates ? { aggregates: options.aggregates } : {}),
    },
    now,
    options,
  );
  return attachDetail(view, detail);
}

/**
 * A tick's view with each counted node's counters by label and cumulative sketch, from whole
 * snapshots read now (`readNodes`): what `/metrics` needs for its per-node series, read at scrape
 * time rather than every tick. A node whose snapshot is gone or invalid by now keeps null.
 */
export function withNodeDetail(view: ClusterView, records: NodeRecord[]): ClusterView {
  const detail = new Map<string, NodeSnapshot>();
  for (const record of records) {
    const node = readNode(record, view.cluster);
    if (node.kind === 'valid') detail.set(node.nodeId, node.snapshot);
  }
  return attachDetail(view, detail);
}

function attachDetail(view: ClusterView, detail: Map<string, NodeSnapshot>): ClusterView {
  const list = view.nodes.list.map((node) => {
    const snapshot = detail.get(node.id);
    if (!snapshot || (node.state !== 'live' && node.state !== 'stale')) return node;
    return { ...node, counters: snapshot.counters, latency: snapshot.latency.cumulative };
  });
  return { ...view, nodes: { ...view.nodes, list } };
}
