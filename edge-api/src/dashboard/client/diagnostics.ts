import { byId, setText } from './dom.ts';
import type { FeedDiagnostics } from './feed.ts';
import { formatAge, formatClock, formatMs } from './format.ts';

const TRANSPORT_LABEL = {
  websocket: 'WebSocket',
  sse: 'Server-Sent Events',
  polling: 'polling GET /admin/live/update',
} as const;

/** How long without an update before the page says its data is stale. */
export function staleAfterMs(intervalMs: number): number {
  return Math.max(intervalMs * 2.5, intervalMs + 5000);
}

export type Freshness = 'connecting' | 'live' | 'paused' | 'stale';

export function freshness(d: FeedDiagnostics, now: number): Freshness {
  if (d.paused) return 'paused';
  if (d.lastUpdateAt === null) return d.connection === 'reconnecting' ? 'stale' : 'connecting';
  return now - d.lastUpdateAt > staleAfterMs(d.intervalMs) ? 'stale' : 'live';
}

/** The header strip, the stale banner and the diagnostics panel, from the feed's state. */
export function renderDiagnostics(d: FeedDiagnostics, now: number): void {
  const state = freshness(d, now);
  const pill = byId('feed-pill');
  pill.dataset.state = state;
  setText(pill, state === 'live' ? `live · ${d.transport === 'websocket' ? 'ws' : d.transport}` : state);
  setText(byId('feed-meta'), d.lastUpdateAt === null ? '' : `updated ${formatClock(d.lastUpdateAt)}`);
  setText(byId('pause-btn'), d.paused ? 'Resume' : 'Pause');
  byId('pause-btn').setAttribute('aria-pressed', String(d.paused));
  document.body.classList.toggle('is-stale', state === 'stale');

  const banner = byId('stale-banner');
  banner.hidden = state !== 'stale';
  if (state === 'stale') {
    const since =
      d.lastUpdateAt === null ? 'no update received yet' : `last update ${formatAge(d.lastUpdateAt, now)}`;
    const retry =
      d.connection === 'reconnecting'
        ? ` Reconnecting via ${TRANSPORT_LABEL[d.transport]}${d.nextRetryInMs === null ? '' : ` (retry in ${Math.ceil(d.nextRetryInMs / 1000)} s)`}.`
        : ' The feed is open but the edge has sent nothing: its aggregator may be stuck.';
    setText(banner, `Data is stale: ${since}. The numbers below are not current.${retry}`);
  }

  const slots: Record<string, string> = {
    transport: TRANSPORT_LABEL[d.transport],
    connection: d.paused ? `${d.connection}, paused` : d.connection,
    updates: String(d.updates),
    'last-update':
      d.lastUpdateAt === null ? '–' : `${formatClock(d.lastUpdateAt)} (${formatAge(d.lastUpdateAt, now)})`,
    delay: formatMs(d.delayMs),
    'force-rtt': formatMs(d.forceRoundTripMs),
    interval: formatMs(d.intervalMs),
    reconnects: String(d.reconnects),
    error: d.lastError ?? 'none',
  };
  for (const slot of byId('diagnostics').querySelectorAll<HTMLElement>('[data-diag]')) {
    const key = slot.dataset.diag;
    if (key && key in slots) setText(slot, slots[key] ?? '–');
  }
}
