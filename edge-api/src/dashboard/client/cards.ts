import type { ClusterView, HealthStatus } from '@telltale/shared';
import { h, replaceChildren, setText } from './dom.ts';
import { formatCount, formatMs, formatRate } from './format.ts';

/** What the edge reads its cluster from, as `/health/ready` names it; null until known. */
export type StoreKind = 'memory' | 'ioredis' | 'upstash';

const STORE_LABEL: Record<StoreKind, string> = {
  memory: 'in-memory store',
  ioredis: 'Redis',
  upstash: 'Upstash (REST)',
};

/** Event types listed on the card; the rest are summed into one line. */
const EVENT_TYPES_SHOWN = 8;

/** The overview cards: every `[data-metric]` slot of the markup, filled from one view. */
export function renderCards(root: ParentNode, view: ClusterView, store: StoreKind | null = null): void {
  const refused = view.connections.refused ?? { count: 0, by_reason: {} };
  const interval = view.events.throughput.interval;
  const metrics: Record<string, string> = {
    'nodes.live': formatCount(view.nodes.live),
    'nodes.stale': formatCount(view.nodes.stale),
    'nodes.lost': formatCount(view.nodes.lost),
    'nodes.invalid': formatCount(view.nodes.invalid),
    'connections.total': formatCount(view.connections.total),
    'connections.rate.interval': formatRate(view.connections.rate.interval, '/min'),
    'connections.rate.1m': formatRate(view.connections.rate['1m'], '/min'),
    'disconnections.rate.interval': formatRate(view.disconnections.rate.interval, '/min'),
    'events.throughput.interval.inbound': formatRate(interval?.inbound),
    'events.throughput.interval.outbound': formatRate(interval?.outbound),
    'events.throughput.inbound': formatRate(view.events.throughput.inbound),
    'events.throughput.outbound': formatRate(view.events.throughput.outbound),
    'events.inbound.count': formatCount(view.events.inbound.count),
    'events.outbound.count': formatCount(view.events.outbound.count),
    'events.latency.p50': formatMs(view.events.latency.p50),
    'events.latency.p95': formatMs(view.events.latency.p95),
    'events.latency.p99': formatMs(view.events.latency.p99),
    'events.latency.max': formatMs(view.events.latency.max),
    'errors.count': formatCount(view.errors.count),
    'errors.auth_failures': formatCount(view.errors.auth_failures),
    'errors.invalid_payloads': formatCount(view.errors.invalid_payloads),
    'errors.rate_limited': formatCount(view.errors.rate_limited),
    'connections.refused.count': formatCount(refused.count),
    'disconnections.count': formatCount(view.disconnections.count),
    'rooms.total': formatCount(view.rooms.total),
    'rooms.largest': view.rooms.largest
      ? `largest ${view.rooms.largest.name} (${formatCount(view.rooms.largest.size)})`
      : 'no rooms',
    'presence.online': formatCount(view.presence.online),
    'presence.away': formatCount(view.presence.away),
    'presence.stale_clients': formatCount(view.presence.stale_clients),
    ...storeMetrics(view, store),
    'status.maintenance': maintenanceLine(view, refused.by_reason.maintenance ?? 0),
  };
  for (const slot of root.querySelectorAll<HTMLElement>('[data-metric]')) {
    const key = slot.dataset.metric;
    if (key && key in metrics) setText(slot, metrics[key] ?? '–');
  }
  for (const slot of root.querySelectorAll<HTMLElement>('[data-window]')) {
    setText(slot, windowLabel(slot.dataset.window, view));
  }
  fillList(root, 'connections.by_namespace', view.connections.by_namespace);
  fillList(root, 'connections.by_transport', view.connections.by_transport);
  fillList(root, 'connections.refused.by_reason', refused.by_reason);
  fillList(root, 'disconnections.by_reason', view.disconnections.by_reason);
  fillList(root, 'events.by_type', view.events.by_type, EVENT_TYPES_SHOWN);
  fillList(root, 'rooms.by_prefix', view.rooms.by_prefix);
  const redis = root.querySelector<HTMLElement>('#redis-card');
  if (redis) redis.dataset.redis = store === 'memory' ? 'memory' : view.redis.connected ? 'up' : 'down';
  const problems = root.querySelector<HTMLElement>('#problems-card');
  if (problems) {
    const { count, auth_failures, invalid_payloads, rate_limited } = view.errors;
    const total = count + auth_failures + invalid_payloads + rate_limited + refused.count;
    problems.dataset.problems = total > 0 ? 'some' : 'none';
  }
  const status = root.querySelector<HTMLElement>('#status-card');
  if (status) status.dataset.maintenance = String(inMaintenance(view).length > 0);
}

/**
 * The store card: with the in-memory store there is no Redis to be up or down, and "nodes
 * connected" would count a connection that does not exist, so the card says what the store is.
 */
function storeMetrics(view: ClusterView, store: StoreKind | null): Record<string, string> {
  const counted = view.nodes.live + view.nodes.stale;
  if (store === 'memory') {
    return {
      'store.kind': STORE_LABEL.memory,
      'redis.connected': 'in-memory',
      'redis.latency': 'n/a',
      'redis.nodes_connected': 'n/a',
    };
  }
  return {
    'store.kind': store ? STORE_LABEL[store] : 'store',
    'redis.connected': view.redis.connected ? 'up' : 'down',
    'redis.latency': formatMs(view.redis.latency),
    'redis.nodes_connected': `${view.redis.nodes_connected} / ${counted}`,
  };
}

function inMaintenance(view: ClusterView): string[] {
  return view.nodes.list
    .filter((n) => n.mode === 'maintenance' && (n.state === 'live' || n.state === 'stale'))
    .map((n) => n.id);
}

function maintenanceLine(view: ClusterView, refused: number): string {
  const nodes = inMaintenance(view);
  if (nodes.length === 0) return '';
  const who = nodes.length === view.nodes.list.length ? 'every node' : nodes.join(', ');
  return `Maintenance: ${who} refusing new connections (${formatCount(refused)} refused).`;
}

/** `last 5 s` for the interval rates, `avg over 60 s` for the trailing ones: what each figure spans. */
function windowLabel(window: string | undefined, view: ClusterView): string {
  const spans = view.rate_windows_ms;
  if (window === 'interval') {
    const ms = spans?.interval ?? null;
    return ms === null ? 'last interval: not measured yet' : `last ${seconds(ms)}`;
  }
  if (window === '1m') {
    const ms = spans?.['1m'] ?? null;
    return ms === null ? 'avg: not measured yet' : `avg over ${seconds(ms)}`;
  }
  return '';
}

function seconds(ms: number): string {
  const s = ms / 1000;
  return `${s >= 10 ? Math.round(s) : Math.round(s * 10) / 10} s`;
}

const STATUS_LABEL = { pass: 'pass', warn: 'warn', fail: 'fail', unknown: 'unknown' } as const;

/** The status card and the tab title: a background tab still says WARN or FAIL. */
export function renderStatus(root: ParentNode, status: HealthStatus | 'unknown', reason: string): void {
  const card = root.querySelector<HTMLElement>('#status-card');
  if (!card) return;
  card.dataset.status = status;
  for (const slot of card.querySelectorAll<HTMLElement>('[data-metric]')) {
    if (slot.dataset.metric === 'status') setText(slot, STATUS_LABEL[status]);
    if (slot.dataset.metric === 'status.reason') setText(slot, reason);
  }
  if (status === 'pass') card.dataset.verdict = 'pass';
  else if (status !== 'unknown') card.dataset.verdict = status;
  const title = 'Telltale · realtime';
  const next = status === 'pass' ? title : `${status.toUpperCase()} · ${title}`;
  if (document.title !== next) document.title = next;
}

/**
 * When the feed has gone quiet the last verdict is not a verdict any more: the card says
 * unknown, that the edge is unreachable, and what it last said, instead of a greyed PASS.
 */
export function renderUnreachable(root: ParentNode, lastUpdateAt: number | null, now: number): void {
  const card = root.querySelector<HTMLElement>('#status-card');
  if (!card || card.dataset.status === 'unknown') return;
  const last = card.dataset.status;
  const age =
    lastUpdateAt === null ? 'no update yet' : `no update for ${Math.round((now - lastUpdateAt) / 1000)} s`;
  renderStatus(root, 'unknown', `Edge unreachable: ${age}; it last said ${last}.`);
}

function fillList(root: ParentNode, key: string, counts: Record<string, number>, limit = Infinity): void {
  const list = root.querySelector<HTMLElement>(`[data-list="${key}"]`);
  if (!list) return;
  // Namespaces and transports nobody uses right now are noise on a card.
  const entries = Object.entries(counts)
    .filter(([, count]) => count > 0)
    .sort(([, a], [, b]) => b - a);
  const shown = entries.slice(0, limit);
  const rest = entries.slice(limit).reduce((sum, [, count]) => sum + count, 0);
  const signature = JSON.stringify(entries);
  if (list.dataset.signature === signature) return;
  list.dataset.signature = signature;
  replaceChildren(
    list,
    ...(entries.length === 0
      ? [h('div', {}, h('dt', {}, 'none'), h('dd', {}, '–'))]
      : shown.map(([name, count]) =>
          h('div', {}, h('dt', { title: name }, name), h('dd', { 'data-key': name }, formatCount(count))),
        )),
    rest > 0
      ? h(
          'div',
          { class: 'kv-rest' },
          h('dt', {}, `${entries.length - shown.length} more`),
          h('dd', {}, formatCount(rest)),
        )
      : null,
  );
}
