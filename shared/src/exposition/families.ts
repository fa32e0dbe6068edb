import type { ClusterView, NodeSummary } from '../schema/cluster.ts';
import type { NodeCounters } from '../schema/snapshot.ts';
import { LatencySketch } from '../sketch/latency-sketch.ts';

export type MetricType = 'counter' | 'gauge' | 'histogram' | 'info';
export type Labels = Record<string, string>;

export interface Sample {
  /** Appended to the family name: `_bucket`, `_sum`, `_count`; counters and infos get theirs from the renderer. */
  suffix?: '_bucket' | '_sum' | '_count';
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

/** Upper bounds of the handler-latency histogram, in seconds. */
export const LATENCY_BUCKETS_SECONDS = [
  0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10,
] as const;

const OTHER = 'other';

/**
 * Every metric Telltale exposes for a cluster view. Counters stay per node (`node` label) so
 * Prometheus' rate() sees each node's resets; gauges come per node and as cluster totals.
 */
export function metricFamilies(view: ClusterView): MetricFamily[] {
  const counted = view.nodes.list.filter(
    (n): n is NodeSummary & { counters: NodeCounters } => n.counters !== null,
  );
  const perNode = (pick: (c: NodeCounters) => number) =>
    counted.map((n) => ({ labels: { node: n.id }, value: pick(n.counters) }));
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
      (['live', 'stale', 'lost', 'invalid'] as const).map((state) => ({
        labels: { state },
        value: view.nodes[state],
      })),
    ),
    info(
      'telltale_node',
      'Socket node metadata.',
      view.nodes.list.map((n) => ({
        labels: { node: n.id, state: n.state, version: n.version ?? '', mode: n.mode ?? '' },
        value: 1,
      })),
    ),
    gauge('telltale_redis_up', '1 when every counted node reports its Redis connection up.', [
      { labels: {}, value: view.redis.connected ? 1 : 0 },
    ]),
    gauge(
      'telltale_node_redis_up',
      '1 when the node reports its Redis connection up.',
      withNode((n) => (n.redis ? (n.redis.connected ? 1 : 0) : null)),
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
        byKey('reason', complete(n.counters.disconnectReasons, n.counters.disconnects), { node: n.id }),
      ),
    ),
    counter(
      'telltale_events_received',
      'Events received from clients, by type.',
      counted.flatMap((n) =>
        byKey('type', complete(n.counters.eventsInByType, n.counters.eventsIn), { node: n.id }),
      ),
    ),
    counter(
      'telltale_events_sent',
      'Events emitted to clients, by type.',
      counted.flatMap((n) =>
        byKey('type', complete(n.counters.eventsOutByType, n.counters.eventsOut), { node: n.id }),
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
      'telltale_commands',
      'Admin commands handled by the node, by outcome.',
      counted.flatMap((n) => [
        { labels: { node: n.id, outcome: 'executed' }, value: n.counters.commandsExecuted },
        { labels: { node: n.id, outcome: 'rejected' }, value: n.counters.commandsRejected },
      ]),
    ),
    counter(
      'telltale_business_events',
      'Backbone business events, by outcome.',
      counted.flatMap((n) => [
        { labels: { node: n.id, outcome: 'delivered' }, value: n.counters.businessEvents },
        { labels: { node: n.id, outcome: 'rejected' }, value: n.counters.businessEventsRejected },
      ]),
    ),
    latencyHistogram(view),
  ].filter((f) => f.samples.length > 0);
}

/**
 * Cumulative `le` buckets from the merged cumulative sketch (ms → seconds). A node restart or exit
 * lowers the cluster counts, which Prometheus' rate() reads as a counter reset.
 */
function latencyHistogram(view: ClusterView): MetricFamily {
  const sketch = LatencySketch.fromJSON(view.latencySketch);
  const counts = sketch.countsAtOrBelow(LATENCY_BUCKETS_SECONDS.map((s) => s * 1000));
  return {
    name: 'telltale_event_handler_duration_seconds',
    type: 'histogram',
    help: 'Event handler latency across the cluster, from the merged node sketches.',
    unit: 'seconds',
    samples: [
      ...LATENCY_BUCKETS_SECONDS.map((le, i) => ({
        suffix: '_bucket' as const,
        labels: { le: String(le) },
        value: counts[i]!,
      })),
      { suffix: '_bucket', labels: { le: '+Inf' }, value: sketch.count },
      { suffix: '_sum', labels: {}, value: sketch.sum / 1000 },
      { suffix: '_count', labels: {}, value: sketch.count },
    ],
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
