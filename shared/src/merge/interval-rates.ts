import type { ClusterView, NodeSummary } from '../schema/cluster.ts';

type Base = Pick<NodeSummary, 'startedAt' | 'lastFlushAt' | 'totals'>;

const byIdCache = new WeakMap<ClusterView, Map<string, Base>>();

function nodesById(view: ClusterView): Map<string, Base> {
  let nodes = byIdCache.get(view);
  if (!nodes) {
    nodes = new Map(view.nodes.list.map((n) => [n.id, n]));
    byIdCache.set(view, nodes);
  }
  return nodes;
}

/**
 * Fills the `interval` rates: for each counted node, its counter increase over its own last flush
 * interval (between its two newest flushes the edge has seen), summed over the nodes. So the figure
 * follows the nodes' flushes rather than the edge's ticks, and it reads 0 one flush after traffic
 * stops. `earlier` are views older than `current`, in any order. A node seen for the first time, or
 * restarted, counts from its start. Null while no node has two flushes to compare.
 */
export function withIntervalRates(current: ClusterView, earlier: readonly ClusterView[]): ClusterView {
  const newestFirst = earlier
    .filter((v) => v.generatedAt < current.generatedAt)
    .sort((a, b) => b.generatedAt - a.generatedAt);
  let connects = 0;
  let disconnects = 0;
  let eventsIn = 0;
  let eventsOut = 0;
  let longestMs: number | null = null;
  for (const node of current.nodes.list) {
    if ((node.state !== 'live' && node.state !== 'stale') || !node.totals || node.lastFlushAt === null)
      continue;
    const now = node.totals;
    const flushedAt = node.lastFlushAt;
    let base: Base | null = null;
    for (const view of newestFirst) {
      const prev = nodesById(view).get(node.id);
      if (prev?.totals && prev.lastFlushAt !== null && prev.lastFlushAt < flushedAt) {
        base = prev;
        break;
      }
    }
    const restarted =
      base !== null &&
      (base.startedAt !== node.startedAt ||
        now.connects < (base.totals?.connects ?? 0) ||
        now.eventsIn < (base.totals?.eventsIn ?? 0));
    let from: number;
    let then = { connects: 0, disconnects: 0, eventsIn: 0, eventsOut: 0 };
    if (base?.totals && base.lastFlushAt !== null && !restarted) {
      from = base.lastFlushAt;
      then = base.totals;
    } else if (node.startedAt !== null && (restarted || isNew(node.startedAt, newestFirst))) {
      from = node.startedAt;
    } else {
      continue;
    }
    const ms = flushedAt - from;
    if (ms <= 0) continue;
    const perSecond = 1000 / ms;
    connects += (now.connects - then.connects) * perSecond;
    disconnects += (now.disconnects - then.disconnects) * perSecond;
    eventsIn += (now.eventsIn - then.eventsIn) * perSecond;
    eventsOut += (now.eventsOut - then.eventsOut) * perSecond;
    longestMs = longestMs === null ? ms : Math.max(longestMs, ms);
  }
  if (longestMs === null) return current;
  return {
    ...current,
    connections: { ...current.connections, rate: { ...current.connections.rate, interval: connects * 60 } },
    disconnections: {
      ...current.disconnections,
      rate: { ...current.disconnections.rate, interval: disconnects * 60 },
    },
    events: {
      ...current.events,
      throughput: { ...current.events.throughput, interval: { inbound: eventsIn, outbound: eventsOut } },
    },
    rate_windows_ms: { '1m': current.rate_windows_ms?.['1m'] ?? null, interval: longestMs },
  };
}

/** A node that started after the oldest view the edge kept: everything it counted is recent. */
function isNew(startedAt: number, newestFirst: readonly ClusterView[]): boolean {
  const oldest = newestFirst[newestFirst.length - 1];
  return oldest !== undefined && startedAt > oldest.generatedAt;
}
