import type { ClusterView, NodeSummary } from '../schema/cluster.ts';
import type { SketchData } from '../schema/sketch.ts';
import type { NodeCounters } from '../schema/snapshot.ts';
import { LatencySketch } from '../sketch/latency-sketch.ts';

export type MetricType = 'counter' | 'gauge' | 'histogram' | 'info';
export type Labels = Record<string, string>;

export interface Sample {
  /**
   * Appended to the family name: `_bucket`, `_sum`, `_count`, and `_created` (OpenMetrics only: when
   * the series started counting, in seconds); counters and infos get theirs from the renderer.
   */
  suffix?: '_bucket' | '_sum' | '_count' | '_created';
  labels: Labels;
  value: number;
}

/** One metric family, format-neutral: the renderers decide how names, units and EOF are written. */
export interface MetricFamily {
  /** Without `_total` (counters) or `_info` (infos); ends with `_<unit>` when `unit` is set. */
  name: string;
  type: MetricType;
  help: string;
  unit?: 'seconds' | 'bytes' | 'ratio';
  samples: Sample[];
}

/**
 * Default upper bounds of the handler-latency histogram, in seconds. Steps of at most 10 % from 10 ms
 * to 1 s, where handler p95s and the alert thresholds (0.5 s, 1 s) live, keep histogram_quantile()
 * within about 1 % of the sketch there (issue 13); coarse steps outside that range.
 */
export const LATENCY_BUCKETS_SECONDS = [
  0.0005, 0.001, 0.002, 0.003, 0.004, 0.005, 0.006, 0.008, 0.01, 0.011, 0.012, 0.013, 0.014, 0.015, 0.016,
  0.018, 0.02, 0.022, 0.024, 0.026, 0.028, 0.03, 0.033, 0.036, 0.04, 0.045, 0.05, 0.055, 0.06, 0.065, 0.07,
  0.075, 0.08, 0.09, 0.1, 0.11, 0.12, 0.13, 0.14, 0.15, 0.16, 0.18, 0.2, 0.22, 0.24, 0.26, 0.28, 0.3, 0.33,
  0.36, 0.4, 0.45, 0.5, 0.55, 0.6, 0.65, 0.7, 0.75, 0.8, 0.9, 1, 1.25, 1.5, 2, 2.5, 5, 10,
] as const;

/** Who renders: the edge (the cluster) or a socket node's own /metrics (that node alone). */
export type MetricsScope = 'cluster' | 'node';

export interface ExpositionOptions {
  /**
   * `cluster` names families `telltale_*`; `node` names them `telltale_local_*`, so a node's own
   * series and the edge's cluster series never share a name and cannot be summed together by accident.
   */
  scope?: MetricsScope;
  /** Upper bounds of the latency histogram in seconds, ascending; default LATENCY_BUCKETS_SECONDS. */
  latencyBuckets?: readonly number[];
}

const CLUSTER_PREFIX = 'telltale_';
const NODE_PREFIX = 'telltale_local_';

const OTHER = 'other';

/**
 * Every metric Telltale exposes for a cluster view. Counters and the latency histogram stay per node
 * (`node` label) so Prometheus' rate() sees each node's resets, with a `_created` sample at the
 * node's start; nodes that left gracefully keep their final values for a while (`view.departed`).
 * Gauges come per node and as cluster totals.
 */
export function metricFamilies(view: ClusterView, options: ExpositionOptions = {}): MetricFamily[] {
  const counted: CountedNode[] = [
    ...view.nodes.list.flatMap((n) =>
      n.counters === null
        ? []
        : [
            {
              id: n.id,
              startedAt: n.startedAt ?? view.generatedAt,
              counters: n.counters,
              latency: n.latency,
            },
          ],
    ),
    ...view.departed.filter((d) => !view.nodes.list.some((n) => n.id === d.id && n.counters !== null)),
  ];
  const perNode = (pick: (c: NodeCounters) => number) =>
    counted.flatMap((n) => withCreated(n, { node: n.id }, pick(n.counters)));
  const byKey = (label: string, map: Record<string, number>, extra: Labels = {}) =>
    Object.entries(map).map(([key, value]) => ({ labels: { ...extra, [label]: key }, value }));
  const withNode = (fn: (n: NodeSummary) => number | null | undefined) =>
    view.nodes.list.flatMap((n) => {
      const value = fn(n);
      return value === null || value === undefined ? [] : [{ labels: { node: n.id }, value }];
    });

  return [
    gauge('telltale_connections', 'Open Socket.IO connections in the cluster, by namespace.', [
      ...byKey('namespace', view.connections.by_namespace),
    ]),
    gauge(
      'telltale_connections_by_transport',
      'Open Socket.IO connections in the cluster, by transport.',
      byKey('transport', view.connections.by_transport),
    ),
    gauge(
      'telltale_node_connections',
      'Open Socket.IO connections per node.',
      withNode((n) => (n.counters ? n.connections : null)),
    ),
    gauge(
      'telltale_rooms',
      'Distinct rooms in the cluster, by name prefix.',
      byKey('prefix', view.rooms.by_prefix),
    ),
    gauge(
      'telltale_rooms_approximate',
      '1 when a node capped its room list, so room counts are upper bounds.',
      [{ labels: {}, value: view.rooms.approximate ? 1 : 0 }],
    ),
    gauge('telltale_room_largest_members', 'Members of the largest room, summed over nodes.', [
      { labels: {}, value: view.rooms.largest?.size ?? 0 },
    ]),
    gauge('telltale_presence_users', 'Distinct users by presence status.', [
      { labels: { status: 'online' }, value: view.presence.online },
      { labels: { status: 'away' }, value: view.presence.away },
    ]),
    gauge('telltale_presence_stale_clients', 'Clients without a recent heartbeat.', [
      { labels: {}, value: view.presence.stale_clients },
    ]),
    gauge(
      'telltale_nodes',
      'Socket nodes by state.',
      NODE_STATES.map((state) => ({
        labels: { state },
        value: view.nodes[state],
      })),
    ),
    info(
      'telltale_node',
      'Socket node metadata (state and mode are gauges of their own, so these series do not churn).',
      view.nodes.list.map((n) => ({ labels: { node: n.id, version: n.version ?? '' }, value: 1 })),
    ),
    gauge(
      'telltale_node_state',
      'Node state: 1 for the state the node is in, 0 for the others.',
      view.nodes.list.flatMap((n) =>
        NODE_STATES.map((state) => ({ labels: { node: n.id, state }, value: n.state === state ? 1 : 0 })),
      ),
    ),
    gauge(
      'telltale_node_mode',
      'Node mode as the node reports it: 1 for the current one, 0 for the others.',
      view.nodes.list.flatMap((n) =>
        n.mode === null
          ? []
          : NODE_MODES.map((mode) => ({ labels: { node: n.id, mode }, value: n.mode === mode ? 1 : 0 })),
      ),
    ),
    gauge('telltale_redis_up', '1 when every counted node reports its Redis connection up.', [
      { labels: {}, value: view.redis.connected ? 1 : 0 },
    ]),
    gauge(
      'telltale_node_redis_up',
      '1 when the node reports its Redis connection up.',
      withNode((n) => (n.redis?.connected == null ? null : n.redis.connected ? 1 : 0)),
    ),
    gauge(
      'telltale_node_redis_latency_seconds',
      'Redis round-trip time measured by the node.',
      withNode((n) => (n.redis?.latencyMs == null ? null : n.redis.latencyMs / 1000)),
      'seconds',
    ),
    gauge(
      'telltale_memory_rss_bytes',
      'Resident memory summed over counted nodes.',
      [{ labels: {}, value: view.server.memory.rss }],
      'bytes',
    ),
    gauge(
      'telltale_memory_heap_used_bytes',
      'V8 heap in use summed over counted nodes.',
      [{ labels: {}, value: view.server.memory.heap }],
      'bytes',
    ),
    gauge(
      'telltale_node_memory_rss_bytes',
      'Resident memory of the node.',
      withNode((n) => n.memory?.rss),
      'bytes',
    ),
    gauge(
      'telltale_node_memory_heap_used_bytes',
      'V8 heap in use on the node.',
      withNode((n) => n.memory?.heapUsed),
      'bytes',
    ),
    gauge(
      'telltale_uptime_seconds',
      'Uptime of the longest-running live node.',
      [{ labels: {}, value: view.server.uptime }],
      'seconds',
    ),
    gauge(
      'telltale_node_uptime_seconds',
      'Uptime of the node.',
      withNode((n) => n.uptimeSec),
      'seconds',
    ),
    gauge(
      'telltale_node_event_loop_delay_p99_seconds',
      '99th percentile event-loop delay of the node over the last interval.',
      withNode((n) => (n.eventLoopP99Ms == null ? null : n.eventLoopP99Ms / 1000)),
      'seconds',
    ),
    gauge(
      'telltale_node_cpu_ratio',
      'CPU used by the node over the last interval, as a fraction of one core.',
      withNode((n) => (n.cpuPercent == null ? null : n.cpuPercent / 100)),
      'ratio',
    ),
    counter(
      'telltale_connects',
      'Socket connections accepted.',
      perNode((c) => c.connects),
    ),
    counter(
      'telltale_disconnects',
      'Socket disconnections, by reason.',
      counted.flatMap((n) =>
        byKeyCreated(n, 'reason', complete(n.counters.disconnectReasons, n.counters.disconnects)),
      ),
    ),
    counter(
      'telltale_events_received',
      'Events received from clients, by type.',
      counted.flatMap((n) =>
        byKeyCreated(n, 'type', complete(n.counters.eventsInByType, n.counters.eventsIn)),
      ),
    ),
    counter(
      'telltale_events_sent',
      'Events emitted to clients, by type.',
      counted.flatMap((n) =>
        byKeyCreated(n, 'type', complete(n.counters.eventsOutByType, n.counters.eventsOut)),
      ),
    ),
    counter(
      'telltale_errors',
      'Errors raised by event handlers.',
      perNode((c) => c.errors),
    ),
    counter(
      'telltale_auth_failures',
      'Handshakes refused for a bad or missing token.',
      perNode((c) => c.authFailures),
    ),
    counter(
      'telltale_rate_limited_events',
      'Events dropped by a rate limit.',
      perNode((c) => c.rateLimited),
    ),
    counter(
      'telltale_invalid_payloads',
      'Events rejected by payload validation.',
      perNode((c) => c.invalidPayloads),
    ),
    counter(
      'telltale_connections_refused',
      'New connections a node refused, by reason (maintenance, draining); auth failures are counted apart.',
      // Both reasons at 0 before the first refusal, so increase() sees the first one.
      counted.flatMap((n) =>
        byKeyCreated(n, 'reason', { maintenance: 0, draining: 0, ...n.counters.refusedConnections }),
      ),
    ),
    counter(
      'telltale_commands',
      'Admin commands handled by the node, by outcome.',
      counted.flatMap((n) => [
        ...withCreated(n, { node: n.id, outcome: 'executed' }, n.counters.commandsExecuted),
        ...withCreated(n, { node: n.id, outcome: 'rejected' }, n.counters.commandsRejected),
      ]),
    ),
    counter(
      'telltale_business_events',
      'Backbone business events, by outcome.',
      counted.flatMap((n) => [
        ...withCreated(n, { node: n.id, outcome: 'delivered' }, n.counters.businessEvents),
        ...withCreated(n, { node: n.id, outcome: 'rejected' }, n.counters.businessEventsRejected),
      ]),
    ),
    latencyHistogram(counted, options.latencyBuckets ?? LATENCY_BUCKETS_SECONDS),
  ]
    .filter((f) => f.samples.length > 0)
    .map((f) =>
      options.scope === 'node' ? { ...f, name: NODE_PREFIX + f.name.slice(CLUSTER_PREFIX.length) } : f,
    );
}

const NODE_STATES = ['live', 'stale', 'lost', 'invalid'] as const;
const NODE_MODES = ['starting', 'running', 'maintenance', 'draining'] as const;

/** A node whose counters are exposed: a counted one from the list, or one that left gracefully. */
interface CountedNode {
  id: string;
  startedAt: number;
  counters: NodeCounters;
  latency: SketchData | null;
}

/** A counter sample and its `_created` twin: every counter of a node starts at 0 when the node starts. */
function withCreated(node: CountedNode, labels: Labels, value: number): Sample[] {
  return [
    { labels, value },
    { suffix: '_created', labels, value: node.startedAt / 1000 },
  ];
}

function byKeyCreated(node: CountedNode, label: string, map: Record<string, number>): Sample[] {
  return Object.entries(map).flatMap(([key, value]) =>
    withCreated(node, { node: node.id, [label]: key }, value),
  );
}

/**
 * Cumulative `le` buckets per node from its cumulative sketch (ms → seconds). Per node, because the
 * merged cluster counts drop whenever any node restarts or leaves, which rate() reads as a reset of
 * the whole cluster; each node's own counts only drop when that node restarts. Sum by `le` for the
 * cluster: `histogram_quantile(0.95, sum by (le) (rate(..._bucket[5m])))`.
 */
function latencyHistogram(nodes: CountedNode[], bounds: readonly number[]): MetricFamily {
  const boundsMs = bounds.map((s) => s * 1000);
  return {
    name: 'telltale_event_handler_duration_seconds',
    type: 'histogram',
    help: 'Event handler latency per node, from the node sketches.',
    unit: 'seconds',
    samples: nodes.flatMap((n) => {
      if (!n.latency) return [];
      const sketch = LatencySketch.fromJSON(n.latency);
      const counts = sketch.countsAtOrBelow(boundsMs);
      const node = { node: n.id };
      return [
        ...bounds.map((le, i) => ({
          suffix: '_bucket' as const,
          labels: { ...node, le: String(le) },
          value: counts[i]!,
        })),
        { suffix: '_bucket' as const, labels: { ...node, le: '+Inf' }, value: sketch.count },
        { suffix: '_sum' as const, labels: node, value: sketch.sum / 1000 },
        { suffix: '_count' as const, labels: node, value: sketch.count },
        { suffix: '_created' as const, labels: node, value: n.startedAt / 1000 },
      ];
    }),
  };
}

/** Puts what a by-type map misses into `other`, so the series of a node add up to its total. */
function complete(map: Record<string, number>, total: number): Record<string, number> {
  const listed = Object.values(map).reduce((a, b) => a + b, 0);
  if (listed >= total) return map;
  return { ...map, [OTHER]: (map[OTHER] ?? 0) + total - listed };
}

function gauge(name: string, help: string, samples: Sample[], unit?: MetricFamily['unit']): MetricFamily {
  return { name, type: 'gauge', help, samples, ...(unit ? { unit } : {}) };
}

function counter(name: string, help: string, samples: Sample[]): MetricFamily {
  return { name, type: 'counter', help, samples };
}

function info(name: string, help: string, samples: Sample[]): MetricFamily {
  return { name, type: 'info', help, samples };
}
