import type { ClusterAggregates } from '../schema/aggregates.ts';
import type { ClusterView, DepartedNode, LatencySummary, NodeState, NodeSummary } from '../schema/cluster.ts';
import type { NodeRooms } from '../schema/snapshot.ts';
import { LatencySketch } from '../sketch/latency-sketch.ts';
import type { NodeRecord } from '../store/port.ts';
import { plainCounts } from './counts.ts';
import { type ReadNode, readNode } from './read-node.ts';
import { roomsFromAggregates, roomsFromNodes } from './rooms.ts';

export interface MergeOptions {
  cluster: string;
  intervalMs: number;
  /** A node whose last flush is older than this is `stale`. Default: 2 intervals. */
  staleAfterMs?: number;
  /** A lost node (hash expired) stays in the view this long after its last flush. Default: 5 min. */
  lostForMs?: number;
  /** How many rooms `rooms.top` lists, largest first. Default 10. */
  topRooms?: number;
  /**
   * The cluster-wide aggregates read with the nodes (`readCluster`): rooms and distinct users come
   * from them, exactly. Without them the view sums the nodes' own counts (exact for one node).
   */
  aggregates?: ClusterAggregates;
}

type ValidNode = Extract<ReadNode, { kind: 'valid' }>;
const DEFAULT_LOST_FOR_MS = 5 * 60_000;

/**
 * Merges every node's snapshot into one cluster view, per metric: gauges and counters sum, latency
 * sketches merge; rooms and distinct users come from the aggregates. Every snapshot is of constant
 * size, so the merge costs O(nodes), whatever the nodes hold. Live and stale nodes count — a stale
 * node's hash has not expired yet, so its sockets most likely still exist; it is only late (health
 * warns about it). Lost and invalid nodes are listed but never counted.
 */
export function mergeSnapshots(records: NodeRecord[], now: number, options: MergeOptions): ClusterView {
  const staleAfterMs = options.staleAfterMs ?? 2 * options.intervalMs;
  const lostForMs = options.lostForMs ?? DEFAULT_LOST_FOR_MS;

  const summaries: NodeSummary[] = [];
  const departed: DepartedNode[] = [];
  const states = { live: 0, stale: 0, lost: 0, invalid: 0 } satisfies Record<NodeState, number>;
  const totals = {
    connections: 0,
    disconnects: 0,
    eventsIn: 0,
    eventsOut: 0,
    staleClients: 0,
    heapUsed: 0,
    rss: 0,
    errors: 0,
    authFailures: 0,
    rateLimited: 0,
    invalidPayloads: 0,
    refused: 0,
  };
  // Label keys come from clients: no prototype for `constructor` or `toString` to collide with.
  const byNamespace: Record<string, number> = Object.create(null);
  const byTransport: Record<string, number> = Object.create(null);
  const byReason: Record<string, number> = Object.create(null);
  const refusedByReason: Record<string, number> = Object.create(null);
  const byType: Record<string, number> = Object.create(null);
  const windowSketch = new LatencySketch();
  const cumulativeSketch = new LatencySketch();
  const roomLists: NodeRooms[] = [];
  const localUsers = { online: 0, away: 0 };
  let redisUp = 0;
  let redisDown = 0;
  let redisLatency: number | null = null;
  let uptime = 0;

  for (const record of records) {
    if (record.raw === null && record.farewell) {
      const farewell = readNode({ ...record, raw: record.farewell }, options.cluster);
      if (farewell.kind === 'valid') departed.push(departedNode(farewell));
      continue;
    }
    const node = readNode(record, options.cluster);
    if (node.kind === 'lost') {
      if (now - node.lastFlushAt <= lostForMs) {
        summaries.push(bareSummary(node.nodeId, 'lost', node.lastFlushAt, null));
        states.lost++;
      }
      continue;
    }
    if (node.kind === 'invalid') {
      summaries.push(bareSummary(node.nodeId, 'invalid', node.lastFlushAt, node.error));
      states.invalid++;
      continue;
    }
    const state: NodeState = now - node.lastFlushAt > staleAfterMs ? 'stale' : 'live';
    summaries.push(nodeSummary(node, state));
    states[state]++;

    const { gauges, counters, presence, infra } = node.snapshot;
    totals.connections += gauges.connections;
    totals.disconnects += counters.disconnects;
    totals.eventsIn += counters.eventsIn;
    totals.eventsOut += counters.eventsOut;
    totals.staleClients += presence.staleClients;
    totals.heapUsed += infra.memory.heapUsed;
    totals.rss += infra.memory.rss;
    totals.errors += counters.errors;
    totals.authFailures += counters.authFailures;
    totals.rateLimited += counters.rateLimited;
    totals.invalidPayloads += counters.invalidPayloads;
    addCounts(byNamespace, gauges.byNamespace);
    addCounts(byTransport, gauges.byTransport);
    addCounts(byReason, counters.disconnectReasons);
    addCounts(refusedByReason, counters.refusedConnections);
    for (const refused of Object.values(counters.refusedConnections)) totals.refused += refused;
    addCounts(byType, counters.eventsInByType);
    roomLists.push(node.snapshot.rooms);
    localUsers.online += presence.online;
    localUsers.away += presence.away;
    windowSketch.merge(node.window);
    cumulativeSketch.merge(node.cumulative);
    if (infra.redis.connected === true) redisUp++;
    else if (infra.redis.connected === false) redisDown++;
    // The worst node's latency: the one an operator has to look at.
    const latency = infra.redis.latencyMs;
    if (latency !== null && (redisLatency === null || latency > redisLatency)) redisLatency = latency;
    if (state === 'live') uptime = Math.max(uptime, infra.uptimeSec);
  }
  summaries.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  const { aggregates } = options;
  const users = aggregates ? aggregates.users : localUsers;

  const view: ClusterView = {
    v: 1,
    cluster: options.cluster,
    generatedAt: now,
    intervalMs: options.intervalMs,
    connections: {
      total: totals.connections,
      ...('/hub' in byNamespace ? { hub: byNamespace['/hub'] } : {}),
      ...('/portal' in byNamespace ? { portal: byNamespace['/portal'] } : {}),
      by_namespace: plainCounts(byNamespace),
      by_transport: plainCounts(byTransport),
      rate: { '1m': null },
      refused: { count: totals.refused, by_reason: plainCounts(refusedByReason) },
    },
    disconnections: { count: totals.disconnects, by_reason: plainCounts(byReason), rate: { '1m': null } },
    events: {
      inbound: { count: totals.eventsIn },
      outbound: { count: totals.eventsOut },
      throughput: { '1m': null, inbound: null, outbound: null },
      latency: latencySummary(windowSketch),
      by_type: plainCounts(byType),
    },
    rooms: aggregates
      ? roomsFromAggregates(aggregates, options.topRooms)
      : roomsFromNodes(roomLists, options.topRooms),
    presence: { online: users.online, away: users.away, stale_clients: totals.staleClients },
    redis: {
      connected: roomLists.length > 0 && redisDown === 0,
      latency: redisLatency,
      nodes_connected: redisUp,
    },
    server: { uptime, memory: { heap: totals.heapUsed, rss: totals.rss } },
    errors: {
      count: totals.errors,
      auth_failures: totals.authFailures,
      rate_limited: totals.rateLimited,
      invalid_payloads: totals.invalidPayloads,
    },
    nodes: { ...states, list: summaries },
    departed: departed.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0)),
    latencySketch: cumulativeSketch.toJSON(),
    windowSketch: windowSketch.toJSON(),
  };
  return view;
}

/** Percentiles come from the merged sketch, never from averaging node percentiles. */
export function latencySummary(sketch: LatencySketch): LatencySummary {
  return {
    count: sketch.count,
    avg: sketch.mean,
    p50: sketch.quantile(0.5),
    p95: sketch.quantile(0.95),
    p99: sketch.quantile(0.99),
    max: sketch.max,
  };
}

function addCounts(into: Record<string, number>, counts: Record<string, number>): void {
  for (const key of Object.keys(counts)) into[key] = (into[key] ?? 0) + counts[key]!;
}

function nodeSummary(node: ValidNode, state: NodeState): NodeSummary {
  const { node: meta, infra, gauges, counters } = node.snapshot;
  return {
    id: node.nodeId,
    state,
    mode: meta.mode,
    version: meta.version,
    hostname: meta.hostname,
    startedAt: meta.startedAt,
    lastFlushAt: node.lastFlushAt,
    uptimeSec: infra.uptimeSec,
    connections: gauges.connections,
    memory: { rss: infra.memory.rss, heapUsed: infra.memory.heapUsed },
    cpuPercent: infra.cpuPercent,
    eventLoopP99Ms: infra.eventLoop.p99Ms,
    redis: { connected: infra.redis.connected, latencyMs: infra.redis.latencyMs },
    counters,
    latency: node.snapshot.latency.cumulative,
    error: null,
  };
}

function departedNode(node: ValidNode): DepartedNode {
  const { node: meta, counters, latency } = node.snapshot;
  return {
    id: node.nodeId,
    startedAt: meta.startedAt,
    leftAt: meta.flushedAt,
    counters,
    latency: latency.cumulative,
  };
}

function bareSummary(id: string, state: NodeState, lastFlushAt: number, error: string | null): NodeSummary {
  return {
    id,
    state,
    mode: null,
    version: null,
    hostname: null,
    startedAt: null,
    lastFlushAt,
    uptimeSec: null,
    connections: 0,
    memory: null,
    cpuPercent: null,
    eventLoopP99Ms: null,
    redis: null,
    counters: null,
    latency: null,
    error,
  };
}
