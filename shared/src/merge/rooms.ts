import type { ClusterAggregates, ClusterRoom } from '../schema/aggregates.ts';
import type { ClusterView } from '../schema/cluster.ts';
import type { NodeRooms } from '../schema/snapshot.ts';
import { plainCounts } from './counts.ts';
import { foldCounts, isLabel, MAX_LABEL_LENGTH, OVERFLOW_LABEL } from './labels.ts';

const TOP_ROOMS = 10;

/**
 * `thread:42` → `thread`. A name without `:` (often an id itself) or whose prefix is not a fit label
 * counts as `other`, so prefixes stay few and never carry a room's name. Nodes use this to fill
 * `byPrefix`, the merge to fill `by_prefix`.
 */
export function roomPrefix(name: string): string {
  const colon = name.indexOf(':');
  if (colon < 1 || colon > MAX_LABEL_LENGTH) return OVERFLOW_LABEL;
  const prefix = name.slice(0, colon);
  return isLabel(prefix) ? prefix : OVERFLOW_LABEL;
}

/** The view's `rooms` section from the cluster-wide aggregates: exact, one room on two nodes is one room. */
export function roomsFromAggregates(
  aggregates: ClusterAggregates,
  topRooms = TOP_ROOMS,
): ClusterView['rooms'] {
  const { rooms } = aggregates;
  const top = rooms.top.slice(0, topRooms);
  return {
    total: rooms.total,
    by_prefix: plainCounts(foldCounts(rooms.byPrefix)),
    by_namespace: Object.fromEntries(Object.entries(rooms.byNamespace).map(([ns, n]) => [ns, { ...n }])),
    avg_size: rooms.total === 0 ? 0 : rooms.members / rooms.total,
    largest: top[0] ?? null,
    top,
    approximate: false,
  };
}

/**
 * The `rooms` section from the nodes' own constant-size summaries, for a reader without the
 * aggregates (a node's view of itself): exact for one node; across nodes a room two nodes share is
 * counted twice, so it says `approximate`.
 */
export function roomsFromNodes(nodes: NodeRooms[], topRooms = TOP_ROOMS): ClusterView['rooms'] {
  const byPrefix: Record<string, number> = Object.create(null); // prefixes come from clients
  const byNamespace: Record<string, { rooms: number; members: number }> = {};
  const sizes = new Map<string, ClusterRoom>();
  let total = 0;
  let members = 0;
  for (const rooms of nodes) {
    total += rooms.total;
    members += rooms.members;
    for (const [prefix, n] of Object.entries(rooms.byPrefix)) byPrefix[prefix] = (byPrefix[prefix] ?? 0) + n;
    for (const [namespace, name, size] of rooms.top) {
      const key = `${namespace}\n${name}`;
      const seen = sizes.get(key);
      sizes.set(key, { namespace, name, size: (seen?.size ?? 0) + size });
      const counts = byNamespace[namespace] ?? { rooms: 0, members: 0 };
      byNamespace[namespace] = counts;
      if (!seen) counts.rooms += 1;
      counts.members += size;
    }
  }
  const top = [...sizes.values()].sort(compareRooms).slice(0, topRooms);
  return {
    total,
    by_prefix: plainCounts(foldCounts(byPrefix)),
    by_namespace: nodes.length === 1 ? byNamespace : {},
    avg_size: total === 0 ? 0 : members / total,
    largest: top[0] ?? null,
    top,
    approximate: nodes.length > 1,
  };
}

/** Largest first, then by namespace and name (code unit order, as `<` compares). */
export function compareRooms(x: ClusterRoom, y: ClusterRoom): number {
  return (
    y.size - x.size ||
    (x.namespace < y.namespace ? -1 : x.namespace > y.namespace ? 1 : 0) ||
    (x.name < y.name ? -1 : x.name > y.name ? 1 : 0)
  );
}
