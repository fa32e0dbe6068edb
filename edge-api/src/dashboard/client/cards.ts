import type { ClusterView, HealthStatus } from '@telltale/shared';
import { h, replaceChildren, setText } from './dom.ts';
import { formatCount, formatMs, formatRate } from './format.ts';

/** The overview cards: every `[data-metric]` slot of the markup, filled from one view. */
export function renderCards(root: ParentNode, view: ClusterView): void {
  const metrics: Record<string, string> = {
    'nodes.live': formatCount(view.nodes.live),
    'nodes.stale': formatCount(view.nodes.stale),
    'nodes.lost': formatCount(view.nodes.lost),
    'nodes.invalid': formatCount(view.nodes.invalid),
    'connections.total': formatCount(view.connections.total),
    'events.throughput.inbound': formatRate(view.events.throughput.inbound),
    'events.throughput.outbound': formatRate(view.events.throughput.outbound),
    'events.inbound.count': formatCount(view.events.inbound.count),
    'events.outbound.count': formatCount(view.events.outbound.count),
    'events.latency.p50': formatMs(view.events.latency.p50),
    'events.latency.p95': formatMs(view.events.latency.p95),
    'events.latency.p99': formatMs(view.events.latency.p99),
    'events.latency.max': formatMs(view.events.latency.max),
    'rooms.total': formatCount(view.rooms.total),
    'rooms.largest': view.rooms.largest
      ? `largest ${view.rooms.largest.name} (${formatCount(view.rooms.largest.size)})`
      : 'no rooms',
    'presence.online': formatCount(view.presence.online),
    'presence.away': formatCount(view.presence.away),
    'presence.stale_clients': formatCount(view.presence.stale_clients),
    'redis.connected': view.redis.connected ? 'up' : 'down',
    'redis.latency': formatMs(view.redis.latency),
    'redis.nodes_connected': `${view.redis.nodes_connected} / ${view.nodes.live + view.nodes.stale}`,
  };
  for (const slot of root.querySelectorAll<HTMLElement>('[data-metric]')) {
    const key = slot.dataset.metric;
    if (key && key in metrics) setText(slot, metrics[key] ?? '–');
  }
  fillList(root, 'connections.by_namespace', view.connections.by_namespace);
  fillList(root, 'connections.by_transport', view.connections.by_transport);
  fillList(root, 'rooms.by_prefix', view.rooms.by_prefix);
  const redis = root.querySelector<HTMLElement>('#redis-card');
  if (redis) redis.dataset.redis = view.redis.connected ? 'up' : 'down';
}

export function renderStatus(root: ParentNode, status: HealthStatus | 'unknown', reason: string): void {
  const card = root.querySelector<HTMLElement>('#status-card');
  if (!card) return;
  card.dataset.status = status;
  const label = { pass: 'pass', warn: 'warn', fail: 'fail', unknown: 'unknown' }[status];
  for (const slot of card.querySelectorAll<HTMLElement>('[data-metric]')) {
    if (slot.dataset.metric === 'status') setText(slot, label);
    if (slot.dataset.metric === 'status.reason') setText(slot, reason);
  }
}

function fillList(root: ParentNode, key: string, counts: Record<string, number>): void {
  const list = root.querySelector<HTMLElement>(`[data-list="${key}"]`);
  if (!list) return;
  // Namespaces and transports nobody uses right now are noise on a card.
  const entries = Object.entries(counts)
    .filter(([, count]) => count > 0)
    .sort(([, a], [, b]) => b - a);
  const signature = JSON.stringify(entries);
  if (list.dataset.signature === signature) return;
  list.dataset.signature = signature;
  replaceChildren(
    list,
    ...(entries.length === 0
      ? [h('div', {}, h('dt', {}, 'none'), h('dd', {}, '–'))]
      : entries.map(([name, count]) =>
          h('div', {}, h('dt', {}, name), h('dd', { 'data-key': name }, formatCount(count))),
        )),
  );
}
