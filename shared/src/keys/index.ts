/**
 * Every Redis key and channel Telltale uses. All live under one Redis Cluster hash tag
 * (`{cluster}`) so a cluster's keys share a slot and Lua scripts / MULTI may touch them together.
 */
export interface ClusterKeys {
  readonly prefix: string;
  /** Sorted set: node id → last flush (ms). */
  readonly nodes: string;
  node(nodeId: string): string;
  nodeSockets(nodeId: string): string;
  /** Hash (`snapshot`, TTL): the final snapshot of a node that left gracefully, until the edge took it. */
  nodeFarewell(nodeId: string): string;
  /** Command channel for one node. */
  nodeCommands(nodeId: string): string;
  /** List: the acks of one command (the record, and the fallback when a pushed ack was missed). */
  ack(commandId: string): string;
  /** Channel every ack is also published on, carrying its commandId: the edge waits on it. */
  readonly acks: string;
  /** Capped stream of executed commands. */
  readonly audit: string;
  /** Hash: `rules` (JSON array), `state` (JSON map), `silences` (JSON array), `availability` (the SLO series). */
  readonly alerts: string;
  /** Business-event channel the backbone publishes to. */
  readonly events: string;
  presence(userId: string): string;
  /** This node's share of the cluster aggregates (no TTL of its own: removed once, by `dropNode`). */
  nodeRooms(nodeId: string): string;
  nodeUsers(nodeId: string): string;
  /** This node's share of the cluster ledger (see `shared/src/store/ledger.ts`), dropped with the rest. */
  nodeLedger(nodeId: string): string;
  /** The cluster-wide aggregates every flush keeps up to date (see `shared/src/store/aggregates.ts`). */
  readonly aggregates: AggregateKeys;
  /** The cluster ledger: what sums across nodes, kept summed (see `shared/src/store/ledger.ts`). */
  readonly ledger: LedgerKeys;
}

export interface LedgerKeys {
  /** Sorted sets, one per label map (`ns`, `tr`, `dr`, `rf`, `in`): label → summed count. */
  labels(part: string): string;
  /** Hashes, one per sketch (`w` the last interval's, `k` the cumulative): `n`, `z`, `s`, bucket → summed count. */
  sketch(part: string): string;
  /** Hash: `<part>\n<label>` → how many nodes report the label (it stays listed, even at 0, while any does). */
  readonly refs: string;
}

export interface AggregateKeys {
  /** Sorted set: `<namespace>\n<room>` → −(summed size), so ZRANGE lists the largest first. */
  readonly roomsBySize: string;
  /** Sorted set, all scores 0: `<room>\n<namespace>`, for prefix ranges (ZRANGEBYLEX). */
  readonly roomsByName: string;
  /** Sorted set: room prefix → distinct rooms. */
  readonly roomPrefixes: string;
  /** Sorted set: namespace → distinct rooms. */
  readonly namespaceRooms: string;
  /** Hash: namespace → summed room sizes. */
  readonly namespaceMembers: string;
  /** Hashes: user id → how many nodes report the user online / away. */
  readonly usersOnline: string;
  readonly usersAway: string;
  /** Hash: `online`, `away` (distinct users), `members` (summed room sizes). */
  readonly totals: string;
  /** Per namespace, the same two indexes as `roomsBySize` / `roomsByName`, members being room names. */
  namespaceRoomsBySize(namespace: string): string;
  namespaceRoomsByName(namespace: string): string;
}

export function clusterKeys(cluster: string): ClusterKeys {
  if (!/^[\w.-]{1,100}$/.test(cluster)) throw new Error(`cluster id '${cluster}' must match [\\w.-]{1,100}`);
  const prefix = `telltale:{${cluster}}`;
  return {
    prefix,
    nodes: `${prefix}:nodes`,
    node: (nodeId) => `${prefix}:node:${nodeId}`,
    nodeSockets: (nodeId) => `${prefix}:node:${nodeId}:sockets`,
    nodeFarewell: (nodeId) => `${prefix}:node:${nodeId}:farewell`,
    nodeCommands: (nodeId) => `${prefix}:cmd:${nodeId}`,
    ack: (commandId) => `${prefix}:ack:${commandId}`,
    acks: `${prefix}:acks`,
    audit: `${prefix}:audit`,
    alerts: `${prefix}:alerts`,
    events: `${prefix}:events`,
    presence: (userId) => `${prefix}:presence:${userId}`,
    nodeRooms: (nodeId) => `${prefix}:node:${nodeId}:rooms`,
    nodeUsers: (nodeId) => `${prefix}:node:${nodeId}:users`,
    nodeLedger: (nodeId) => `${prefix}:node:${nodeId}:ledger`,
    ledger: {
      labels: (part) => `${prefix}:ledger:labels:${part}`,
      sketch: (part) => `${prefix}:ledger:sketch:${part}`,
      refs: `${prefix}:ledger:refs`,
    },
    aggregates: {
      roomsBySize: `${prefix}:rooms:by-size`,
      roomsByName: `${prefix}:rooms:by-name`,
      roomPrefixes: `${prefix}:rooms:prefixes`,
      namespaceRooms: `${prefix}:rooms:namespaces`,
      namespaceMembers: `${prefix}:rooms:namespace-members`,
      usersOnline: `${prefix}:users:online`,
      usersAway: `${prefix}:users:away`,
      totals: `${prefix}:totals`,
      namespaceRoomsBySize: (namespace) => `${prefix}:rooms:ns:${namespace}:by-size`,
      namespaceRoomsByName: (namespace) => `${prefix}:rooms:ns:${namespace}:by-name`,
    },
  };
}
