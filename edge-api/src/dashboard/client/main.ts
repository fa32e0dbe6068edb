import './zod-config.ts';
import type { ClusterView } from '@telltale/shared';
import { AlertsPanel } from './alerts-panel.ts';
import { apiBase, createApi } from './api.ts';
import { AuditPanel } from './audit-panel.ts';
import { renderCards, renderStatus } from './cards.ts';
import { TrendCharts } from './charts.ts';
import { ConnectionsPanel } from './connections-panel.ts';
import { renderDiagnostics } from './diagnostics.ts';
import { byId, setText } from './dom.ts';
import { LiveFeed } from './feed.ts';
import { renderNodes } from './nodes-table.ts';
import { RoomsPanel } from './rooms-panel.ts';
import { TapPanel } from './tap-panel.ts';
import { HistoryResponse } from './schemas.ts';
import {
  appendPoint,
  emptyFrame,
  frameFromHistory,
  mergeLivePoints,
  trimFrame,
  valuesFromView,
} from './series.ts';
import { TokenStore } from './token.ts';

const HOUR_MS = 3_600_000;
const LIVE_KEEP_MS = 2 * HOUR_MS;
const AUDIT_EVERY_UPDATES = 3;
const ALERTS_EVERY_UPDATES = 6;

const base = apiBase(location.pathname);
const tokens = new TokenStore();
const api = createApi(base, tokens);

let errorTimer: ReturnType<typeof setTimeout> | null = null;
function showError(message: string): void {
  const banner = byId('error-banner');
  banner.hidden = false;
  setText(banner, message);
  if (errorTimer) clearTimeout(errorTimer);
  errorTimer = setTimeout(() => {
    banner.hidden = true;
  }, 15_000);
}

const charts = new TrendCharts(byId('charts'));
const rooms = new RoomsPanel(api, showError);
const alerts = new AlertsPanel(api, showError);
const audit = new AuditPanel(api, showError);
new TapPanel(api, tokens, showError);
let intervalMs = 5000;
const connections = new ConnectionsPanel(
  api,
  () => void audit.refresh(),
  showError,
  () => intervalMs * 3,
);

let rangeMinutes = 120;
let frame = emptyFrame();
let historyLoadedAt = 0;
const livePoints: { at: number; values: Record<string, number | null> }[] = [];
let updates = 0;

async function loadHistory(): Promise<void> {
  try {
    const history = await api.get(`/metrics/history?minutes=${rangeMinutes}`, HistoryResponse);
    const next = frameFromHistory(history);
    if (history.resolution === 'tick') mergeLivePoints(next, livePoints);
    frame = next;
    historyLoadedAt = Date.now();
    drawCharts();
  } catch (error) {
    showError(error instanceof Error ? error.message : String(error));
  }
}

function drawCharts(): void {
  const now = Date.now();
  charts.render(frame, { fromMs: now - rangeMinutes * 60_000, toMs: now });
}

function onView(view: ClusterView): void {
  intervalMs = view.intervalMs;
  setText(byId('cluster-name'), view.cluster);
  renderCards(document, view);
  renderNodes(byId('nodes-table').querySelector('tbody')!, view.nodes.list, Date.now());
  rooms.showPrefixes(view.rooms.by_prefix);

  const point = { at: view.generatedAt, values: valuesFromView(view) };
  livePoints.push(point);
  while (livePoints.length > 0 && (livePoints[0]?.at ?? 0) < Date.now() - LIVE_KEEP_MS) livePoints.shift();
  if (rangeMinutes * 60_000 <= LIVE_KEEP_MS) {
    appendPoint(frame, point.at, point.values);
    trimFrame(frame, Date.now() - rangeMinutes * 60_000);
    drawCharts();
  } else if (Date.now() - historyLoadedAt > 60_000) {
    void loadHistory();
  }
}

const feed = new LiveFeed(api, tokens, {
  update(update) {
    updates++;
    if (update.view) onView(update.view);
    renderStatus(document, update.status, update.reason ?? update.error ?? 'All checks pass.');
    alerts.showActive(update.alerts, Date.now());
    void connections.refresh();
    void rooms.refresh();
    if (updates % AUDIT_EVERY_UPDATES === 0) void audit.refresh();
    if (updates % ALERTS_EVERY_UPDATES === 0) void alerts.refresh();
  },
  diagnostics(diagnostics) {
    renderDiagnostics(diagnostics, Date.now());
  },
});

byId('pause-btn').addEventListener('click', () => {
  if (feed.diagnostics.paused) feed.resume();
  else feed.pause();
});
byId('force-btn').addEventListener('click', () => feed.forceUpdate());
byId('forget-token').addEventListener('click', () => {
  tokens.forget();
  location.reload();
});
for (const button of document.querySelectorAll<HTMLButtonElement>('[data-range]')) {
  button.addEventListener('click', () => {
    rangeMinutes = Number(button.dataset.range);
    for (const other of document.querySelectorAll('[data-range]'))
      other.setAttribute('aria-pressed', 'false');
    button.setAttribute('aria-pressed', 'true');
    void loadHistory();
  });
}

// The header clock and the stale check run on their own, so a silent feed still shows as stale.
setInterval(() => renderDiagnostics(feed.diagnostics, Date.now()), 1000);

await tokens.get();
feed.start();
void loadHistory();
void alerts.refresh();
void audit.refresh();
