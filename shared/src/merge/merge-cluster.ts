import type { ClusterAggregates } from '../schema/aggregates.ts';
import type { ClusterView, DepartedNode, LatencySummary, NodeState, NodeSummary } from '../schema/cluster.ts';
import { type NodePulse, readPulse } from '../schema/pulse.ts';
import type { NodeRooms, NodeSnapshot } from '../schema/snapshot.ts';
import { LatencySketch } from '../sketch/latency-sketch.ts';
import { type ClusterLedger, ledgerCounts, sketchDataOf } from '../store/ledger.ts';
import type { ClusterRead, PulseRecord } from '../store/port.ts';
import { plainCounts } from './counts.ts';
import { readNode } from './read-node.ts';
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
}

/** A node as the merge sees it: its pulse, or why it has none to count. */
export type PulseNode =
  | { nodeId: string; lastFlushAt: number; kind: 'lost' }
  | { nodeId: string; lastFlushAt: number; kind: 'invalid'; error: string }
  | { nodeId: string; lastFlushAt: number; kind: 'valid'; pulse: NodePulse };

/** What one view is merged from, whichever way it was read. */
export interface MergeInput {
  nodes: PulseNode[];
  departed: DepartedNode[];
  ledger: ClusterLedger;
  /** Rooms and distinct users, exact; without them the nodes' own room summaries and counts are summed. */
  aggregates?: ClusterAggregates;
  /** The nodes' room summaries, for a view without aggregates. */
  roomLists?: NodeRooms[];
}

const DEFAULT_LOST_FOR_MS = 5 * 60_000;

/**
 * A tick's view from one `readCluster`: every node's pulse, the aggregates and the ledger. Its cost
 * is O(nodes) in pulses of constant size plus O(labels + buckets) for the ledger, whatever the
 * nodes hold. Per-node counters by label and per-node sketches are not in it (`counters` and
 * `latency` are null): `/metrics` reads them at scrape time (`withNodeDetail`).
 */
export function mergeCluster(read: ClusterRead, now: number, options: MergeOptions): ClusterView {
  const departed: DepartedNode[] = [];
  const nodes: PulseNode[] = [];
  for (const record of read.nodes) {
    if (record.pulse === null && record.farewell) {
      const farewell = readNode({ ...record, raw: record.farewell }, options.cluster);
      if (farewell.kind === 'valid') departed.push(departedNode(farewell.snapshot));
      continue;
    }
    nodes.push(pulseNode(record, options.cluster));
  }
  return mergeView({ nodes, departed, ledger: read.ledger, aggregates: read.aggregates }, now, options);
}

/** A record's pulse checked: valid, lost, or invalid with the reason an operator reads. */
export function pulseNode(record: PulseRecord, cluster: string): PulseNode {
  const { nodeId, lastFlushAt } = record;
  if (record.pulse === null) return { nodeId, lastFlushAt, kind: 'lost' };
  const invalid = (error: string): PulseNode => ({ nodeId, lastFlushAt, kind: 'invalid', error });
  if (record.pulse === '') {
    return invalid(
      'the node wrote its snapshot without a pulse: it runs a Telltale release older than this edge (snapshot v1, or v2 before pulses); upgrade it',
    );
  }
  const pulse = readPulse(record.pulse);
  if ('error' in pulse) return invalid(pulse.error);
  if (pulse.id !== nodeId) return invalid(`snapshot belongs to node '${pulse.id}', not '${nodeId}'`);
  if (pulse.cluster !== cluster)
    return invalid(`snapshot belongs to cluster '${pulse.cluster}', not '${cluster}'`);
  return { nodeId, lastFlushAt, kind: 'valid', pulse };
}

/**
 * Merges the nodes into one cluster view: per-node scalars sum, label maps and latency sketches
 * come summed from the ledger, rooms and distinct users from the aggregates. Live and stale nodes
 * count — a stale node's hash has not expired yet, so its sockets most likely still exist; it is
 * only late (health warns about it). Lost and invalid nodes are listed but never counted.
 */
export function mergeView(input: MergeInput, now: number, options: MergeOptions): ClusterView {
  const staleAfterMs = options.staleAfterMs ?? 2 * options.intervalMs;
  const lostForMs = options.lostForMs ?? DEFAULT_LOST_FOR_MS;

  const summaries: NodeSummary[] = [];
  const states = { live: 0, stale: 0, lost: 0, invalid: 0 } satisfies Record<NodeState, number>;
  const totals = {
    counted: 0,
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
    online: 0,
    away: 0,
  };
  const extremes = {
    windowMin: Infinity,
    windowMax: -Infinity,
    cumulativeMin: Infinity,
    cumulativeMax: -Infinity,
  };
  let redisUp = 0;
  let redisDown = 0;
  let redisLatency: number | null = null;
  let uptime = 0;

  for (const node of input.nodes) {
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
    const p = node.pulse;
    summaries.push(nodeSummary(node.nodeId, node.lastFlushAt, p, state));
    states[state]++;
    totals.counted++;
    totals.connections += p.connections;
    totals.disconnects += p.disconnects;
    totals.eventsIn += p.eventsIn;
    totals.eventsOut += p.eventsOut;
    totals.staleClients += p.staleClients;
    totals.heapUsed += p.heapUsed;
    totals.rss += p.rss;
    totals.errors += p.errors;
    totals.authFailures += p.authFailures;
    totals.rateLimited += p.rateLimited;
    totals.invalidPayloads += p.invalidPayloads;
    totals.refused += p.refused;
    totals.online += p.online;
    totals.away += p.away;
    if (p.windowMin !== null) extremes.windowMin = Math.min(extremes.windowMin, p.windowMin);
    if (p.windowMax !== null) extremes.windowMax = Math.max(extremes.windowMax, p.windowMax);
    if (p.cumulativeMin !== null) extremes.cumulativeMin = Math.min(extremes.cumulativeMin, p.cumulativeMin);
    if (p.cumulativeMax !== null) extremes.cumulativeMax = Math.max(extremes.cumulativeMax, p.cumulativeMax);
    if (p.redisConnected === true) redisUp++;
    else if (p.redisConnected === false) redisDown++;
    // The worst node's latency: the one an operator has to look at.
    if (p.redisLatencyMs !== null && (redisLatency === null || p.redisLatencyMs > redisLatency)) {
      redisLatency = p.redisLatencyMs;
    }
    if (state === 'live') uptime = Math.max(uptime, p.uptimeSec);
  }
  summaries.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  const { aggregates, ledger } = input;
  const users = aggregates ? aggregates.users : { online: totals.online, away: totals.away };
  const finite = (v: number) => (Number.isFinite(v) ? v : null);
  const windowSketch = summedSketch(ledger.window, finite(extremes.windowMin), finite(extremes.windowMax));
  const cumulativeSketch = summedSketch(
    ledger.cumulative,
    finite(extremes.cumulativeMin),
    finite(extremes.cumulativeMax),
  );
  const byNamespace = ledgerCounts(ledger.labels.ns, totals.connections);
  const labels = (part: keyof ClusterLedger['labels'], total: number) =>
    plainCounts(ledgerCounts(ledger.labels[part], total));

  return {
    v: 1,
    cluster: options.cluster,
    generatedAt: now,
    intervalMs: options.intervalMs,
    connections: {
      total: totals.connections,
      ...('/hub' in byNamespace ? { hub: byNamespace['/hub'] } : {}),
      ...('/portal' in byNamespace ? { portal: byNamespace['/portal'] } : {}),
      by_namespace: plainCounts(byNamespace),
      by_transport: labels('tr', totals.connections),
      rate: { '1m': null },
      refused: { count: totals.refused, by_reason: labels('rf', totals.refused) },
    },
    disconnections: {
      count: totals.disconnects,
      by_reason: labels('dr', totals.disconnects),
      rate: { '1m': null },
    },
    events: {
      inbound: { count: totals.eventsIn },
      outbound: { count: totals.eventsOut },
      throughput: { '1m': null, inbound: null, outbound: null },
      latency: latencySummary(windowSketch),
      by_type: labels('in', totals.eventsIn),
    },
    rooms: aggregates
      ? roomsFromAggregates(aggregates, options.topRooms)
      : roomsFromNodes(input.roomLists ?? [], options.topRooms),
    presence: { online: users.online, away: users.away, stale_clients: totals.staleClients },
    redis: {
      connected: totals.counted > 0 && redisDown === 0,
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
    departed: input.departed.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0)),
    latencySketch: cumulativeSketch.toJSON(),
    windowSketch: windowSketch.toJSON(),
  };
}

/** The ledger's summed sketch; empty when its counts do not add up (a torn write), never a throw. */
function summedSketch(
  sketch: ClusterLedger['window'],
  min: number | null,
  max: number | null,
): LatencySketch {
  const data = sketchDataOf(sketch, min, max);
  return data ? LatencySketch.fromJSON(data) : new LatencySketch();
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

function nodeSummary(id: string, lastFlushAt: number, p: NodePulse, state: NodeState): NodeSummary {
  return {
    id,
    state,
    mode: p.mode,
    version: p.version,
    hostname: p.hostname,
    startedAt: p.startedAt,
    lastFlushAt,
    uptimeSec: p.uptimeSec,
    connections: p.connections,
    memory: { rss: p.rss, heapUsed: p.heapUsed },
    cpuPercent: p.cpuPercent,
    eventLoopP99Ms: p.eventLoopP99Ms,
    redis: { connected: p.redisConnected, latencyMs: p.redisLatencyMs },
    totals: {
      connects: p.connects,
      disconnects: p.disconnects,
      eventsIn: p.eventsIn,
      eventsOut: p.eventsOut,
      errors: p.errors,
    },
    counters: null,
    latency: null,
    error: null,
  };
}

export function departedNode(snapshot: NodeSnapshot): DepartedNode {
  const { node: meta, counters, latency } = snapshot;
  return {
    id: meta.id,
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
    totals: null,
    counters: null,
    latency: null,
    error,
  };
}
