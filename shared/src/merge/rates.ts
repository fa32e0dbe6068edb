import type { ClusterView, DepartedNode, NodeSummary, NodeTotals } from '../schema/cluster.ts';

const DELTA_COUNTERS = ['connects', 'disconnects', 'eventsIn', 'eventsOut', 'errors'] as const;
export type CounterDeltas = Pick<NodeTotals, (typeof DELTA_COUNTERS)[number]> & { seconds: number };

/**
 * Cluster-wide counter increases between two views, summed from per-node deltas. A node that
 * restarted (new startedAt, or any counter went down) contributes its new value, not a negative
 * delta; a node with no baseline counts from zero only if it started after the previous view.
 * Null when there is no previous view or no time passed.
 */
export function counterDeltas(current: ClusterView, previous: ClusterView | null): CounterDeltas | null {
  const seconds = previous ? (current.generatedAt - previous.generatedAt) / 1000 : 0;
  if (!previous || seconds <= 0) return null;
  // A node that left gracefully still has its last interval to count, once: departed in both views adds 0.
  const before = new Map<string, CountingNode>([
    ...previous.nodes.list.map((n) => [n.id, n] as const),
    ...previous.departed.map((n) => [n.id, departedTotals(n)] as const),
  ]);
  const total: CounterDeltas = { connects: 0, disconnects: 0, eventsIn: 0, eventsOut: 0, errors: 0, seconds };
  for (const node of [...current.nodes.list, ...current.departed.map(departedTotals)]) {
    const d = nodeDelta(node, before.get(node.id), previous.generatedAt);
    if (d) for (const key of DELTA_COUNTERS) total[key] += d[key];
  }
  return total;
}

/**
 * Fills the cluster rates from counter deltas. They average over the span between the two views,
 * so pass a view about a minute old for the `1m` figures; `events.throughput` is per second.
 */
export function withRates(current: ClusterView, previous: ClusterView | null): ClusterView {
  const delta = counterDeltas(current, previous);
  if (!delta) return current;
  const { seconds } = delta;
  return {
    ...current,
    connections: {
      ...current.connections,
      rate: { ...current.connections.rate, '1m': (delta.connects / seconds) * 60 },
    },
    disconnections: {
      ...current.disconnections,
      rate: { ...current.disconnections.rate, '1m': (delta.disconnects / seconds) * 60 },
    },
    events: {
      ...current.events,
      throughput: {
        ...current.events.throughput,
        '1m': delta.eventsIn / seconds,
        inbound: delta.eventsIn / seconds,
        outbound: delta.eventsOut / seconds,
      },
    },
    rate_windows_ms: { interval: current.rate_windows_ms?.interval ?? null, '1m': seconds * 1000 },
  };
}

type CountingNode = Pick<NodeSummary, 'id' | 'startedAt' | 'totals'>;

function departedTotals(node: DepartedNode): CountingNode {
  const { connects, disconnects, eventsIn, eventsOut, errors } = node.counters;
  return {
    id: node.id,
    startedAt: node.startedAt,
    totals: { connects, disconnects, eventsIn, eventsOut, errors },
  };
}

function nodeDelta(
  node: CountingNode,
  prev: CountingNode | undefined,
  previousAt: number,
): NodeTotals | null {
  const now = node.totals;
  if (!now) return null;
  const then = prev?.totals;
  if (!prev || !then) {
    const startedSince = node.startedAt !== null && node.startedAt > previousAt;
    return startedSince ? now : null;
  }
  const restarted = prev.startedAt !== node.startedAt || DELTA_COUNTERS.some((key) => now[key] < then[key]);
  if (restarted) return now;
  const delta = { ...now };
  for (const key of DELTA_COUNTERS) delta[key] = now[key] - then[key];
  return delta;
}
