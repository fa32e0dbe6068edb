import './zod-config.ts';
import type { ClusterView } from '@telltale/shared';
import { AlertsPanel } from './alerts-panel.ts';
import { apiBase, createApi } from './api.ts';
import { AuditPanel } from './audit-panel.ts';
import { renderCards, renderStatus, renderUnreachable, type StoreKind } from './cards.ts';
import { TrendCharts } from './charts.ts';
import { ConnectionsPanel } from './connections-panel.ts';
import { freshness, renderDiagnostics } from './diagnostics.ts';
import { byId, setText } from './dom.ts';
import { LiveFeed } from './feed.ts';
import { renderNodes } from './nodes-table.ts';
import { OperatorActions } from './operator-actions.ts';
import { RoomsPanel } from './rooms-panel.ts';
import {
  appendPoint,
  emptyFrame,
  frameFromHistory,
  mergeLivePoints,
  trimFrame,
  valuesFromView,
} from './series.ts';
import { SloCard } from './slo-card.ts';
import { SocketDetailDialog } from './socket-detail.ts';
import { loadStoreKind } from './store-kind.ts';
import { TapPanel } from './tap-panel.ts';
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
const rooms = new RoomsPanel(api, showError, (socketId) => void socketDetail.open(socketId));
const alerts = new AlertsPanel(api, showError);
const audit = new AuditPanel(api, showError);
const slo = new SloCard(api, showError);
new TapPanel(api, tokens, showError);
let intervalMs = 5000;
const socketDetail = new SocketDetailDialog(api, () => void audit.refresh());
new OperatorActions(api, () => void audit.refresh());
const connections = new ConnectionsPanel(
  api,
  () => void audit.refresh(),
  showError,
  () => intervalMs * 3,
  (socketId) => void socketDetail.open(socketId),
);
// Viewers read everything and act on nothing: no action shows until the session says admin.
document.body.dataset.role = 'viewer';
void api.read(api.client.admin.session.$get(), 'GET /admin/session').then(
  (session) => {
    document.body.dataset.role = session.role;
  },
  (error: unknown) => showError(error instanceof Error ? error.message : String(error)),
);

let rangeMinutes = 120;
let frame = emptyFrame();
let historyLoadedAt = 0;
const livePoints: { at: number; values: Record<string, number | null> }[] = [];
let updates = 0;
let storeKind: StoreKind | null = null;
void loadStoreKind(base).then((kind) => {
  storeKind = kind;
});

async function loadHistory(): Promise<void> {
  try {
    const history = await api.read(
      api.client.metrics.history.$get({ query: { minutes: String(rangeMinutes) } }),
      'GET /metrics/history',
    );
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
  renderCards(document, view, storeKind);
  renderNodes(byId('nodes-table').querySelector('tbody')!, view.nodes.list, Date.now());
  rooms.showPrefixes(view.rooms.by_prefix);
  rooms.showNamespaces(view.connections.by_namespace);

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
    if (updates % ALERTS_EVERY_UPDATES === 0) {
      void alerts.refresh();
      void slo.refresh();
    }
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
setInterval(() => {
  const now = Date.now();
  renderDiagnostics(feed.diagnostics, now);
  if (freshness(feed.diagnostics, now) === 'stale')
    renderUnreachable(document, feed.diagnostics.lastUpdateAt, now);
}, 1000);

await tokens.get();
feed.start();
void loadHistory();
void alerts.refresh();
void slo.refresh();
void audit.refresh();
