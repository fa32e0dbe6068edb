import {
  ALERTMANAGER_RESEND_MS,
  type AlertEvent,
  AlertmanagerFeed,
  type AlertRule,
  type AlertState,
  alertmanagerPayload,
  type ClusterView,
  defaultAlertRules,
  evaluateAlerts,
  evaluateHealth,
  type HealthReport,
  mergeCluster,
  type NodeRecord,
  type RoomUnion,
  type TelltaleStore,
  withRates,
  withTimeout,
} from '@telltale/shared';
import { AlertmanagerSender } from './alertmanager.ts';
import { type FeedServerMessage, parseFeedMessage } from './feed.ts';
import {
  type HistoryQuery,
  type HistoryResponse,
  MINUTE_MS,
  MINUTE_RETENTION_MS,
  MinuteAccumulator,
  minuteOf,
  minutePoint,
  resolutionFor,
  TICK_RETENTION_MS,
  tickPoint,
} from './history.ts';
import { AlertNotifier } from './notifier.ts';
import { pageRooms, type RoomPage, type RoomQuery } from './room-table.ts';
import type { AggregatorRuntime, LiveConnection } from './runtime.ts';

export interface AggregatorOptions {
  cluster: string;
  /** Tick interval (TICK_INTERVAL_MS, defaulting to FLUSH_INTERVAL_MS). */
  intervalMs: number;
  expectedNodes: number;
  store: TelltaleStore;
  webhookUrl?: string;
  /** Alertmanagers that get every firing alert over their API v2 (ALERTMANAGER_URL). */
  alertmanagerUrls?: string[];
  serviceId?: string;
  /** Where people reach this edge (PUBLIC_URL), for links in alerts; unset: alerts carry no links. */
  externalUrl?: string;
  /** How long a node that vanished without deregistering is reported `lost` before it is pruned. */
  lostForMs?: number;
}

/** What HTTP routes and the live feed answer from: the view, or why there is none. */
export interface LatestView {
  view: ClusterView | null;
  /** Why the store could not be read; null when `view` is set. */
  error: string | null;
  /** When the store was read. */
  at: number;
  health: HealthReport;
  /** Pending and firing alerts. */
  alerts: AlertState[];
}

export interface AlertsReport {
  rules: AlertRule[];
  rulesSource: 'stored' | 'default';
  active: AlertState[];
  states: AlertState[];
  /** State changes, newest first. */
  history: AlertEvent[];
}

const RATE_WINDOW_MS = 60_000;
const PRUNE_EVERY_TICKS = 10;
const RULES_REFRESH_MS = 60_000;
const ALERT_HISTORY_KEEP = 1000;
const ALERT_HISTORY_SHOWN = 100;
const MIN_LOST_FOR_MS = 5 * 60_000;
const MIN_READ_TIMEOUT_MS = 2000;

/**
 * The cluster's single-writer actor, in the style of a Durable Object: lifecycle hooks (onStart,
 * onAlarm, onConnect, onMessage, onClose) around one tick that reads every node in one round trip,
 * merges, keeps history, evaluates alerts and pushes the view to live subscribers. Everything that
 * differs between Node and Workers (timer vs alarm, memory vs SQLite, ws vs hibernatable sockets)
 * comes in through the runtime.
 */
export class Aggregator {
  private latestView: LatestView | null = null;
  /** The last read's merged rooms; the full table is sorted only when a page of it is asked for. */
  private roomTable: RoomUnion | null = null;
  /** Recent views, oldest first, so rates span about a minute rather than one noisy tick. */
  private baselines: ClusterView[] = [];
  /** The previous tick's view, for delta alert metrics such as `errors.rate`. */
  private previousTick: ClusterView | null = null;
  private rules: AlertRule[] = defaultAlertRules();
  private rulesStored = false;
  private rulesLoadedAt = Number.NEGATIVE_INFINITY;
  private alertState: Record<string, AlertState> = {};
  private readonly minutes = new MinuteAccumulator();
  private readonly notifier: AlertNotifier;
  private readonly alertmanagerFeed: AlertmanagerFeed;
  private readonly alertmanager: AlertmanagerSender;
  private readonly lostForMs: number;
  private readonly readTimeoutMs: number;
  private ticks = 0;
  private freshRead: Promise<LatestView> | null = null;
  private readonly forcing = new Set<string>();
  /** Farewells of nodes that left gracefully, by node id, held until `until`. */
  private readonly farewells = new Map<string, { record: NodeRecord; until: number }>();
  private stopped = false;

  constructor(
    readonly options: AggregatorOptions,
    private readonly runtime: AggregatorRuntime,
  ) {
    this.lostForMs = options.lostForMs ?? Math.max(10 * options.intervalMs, MIN_LOST_FOR_MS);
    this.readTimeoutMs = Math.max(MIN_READ_TIMEOUT_MS, options.intervalMs);
    const externalUrl = options.externalUrl?.replace(/\/+$/, '') ?? '';
    this.notifier = new AlertNotifier({
      url: options.webhookUrl,
      fetch: runtime.fetch,
      logger: runtime.logger,
      payload: (events) =>
        alertmanagerPayload(events, { cluster: options.cluster, externalUrl, state: this.alertState }),
    });
    this.alertmanagerFeed = new AlertmanagerFeed({
      cluster: options.cluster,
      generatorUrl: externalUrl ? `${externalUrl}/admin/alerts` : undefined,
      // A tick longer than the resend delay re-posts every tick, and keeps alerts valid that long.
      resendMs: Math.max(ALERTMANAGER_RESEND_MS, options.intervalMs),
    });
    this.alertmanager = new AlertmanagerSender({
      urls: options.alertmanagerUrls ?? [],
      fetch: runtime.fetch,
      logger: runtime.logger,
    });
    if (!externalUrl && (options.webhookUrl || this.alertmanager.configured)) {
      runtime.logger.warn('PUBLIC_URL is not set: alerts go out without links back to this edge');
    }
  }

  /** Restores what storage kept (the open minute), loads alert rules and state, runs the first tick. */
  async onStart(): Promise<void> {
    this.stopped = false;
    const now = this.runtime.now();
    const [open] = (await this.runtime.storage.minutesSince(minuteOf(now))).slice(-1);
    if (open) this.minutes.resume(open);
    await this.loadAlertConfig(now);
    await this.onAlarm();
  }

  /** One tick, then the next one armed — whatever the tick's outcome. */
  async onAlarm(): Promise<void> {
    if (this.stopped) return;
    const started = this.runtime.now();
    try {
      await this.tick();
    } catch (err) {
      this.runtime.logger.error(`tick failed: ${(err as Error).stack ?? String(err)}`);
    } finally {
      if (!this.stopped) {
        const elapsed = this.runtime.now() - started;
        await this.runtime.scheduler.schedule(Math.max(0, this.options.intervalMs - elapsed));
      }
    }
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await this.runtime.scheduler.cancel();
  }

  onConnect(connection: LiveConnection): void {
    connection.setState({ paused: false });
    this.send(connection, {
      type: 'hello',
      cluster: this.options.cluster,
      intervalMs: this.options.intervalMs,
      paused: false,
    });
    if (this.latestView) connection.send(updateMessage(this.latestView, false));
  }

  onMessage(connection: LiveConnection, raw: string | ArrayBuffer): void {
    const message = parseFeedMessage(raw);
    if ('error' in message) {
      this.send(connection, { type: 'error', message: message.error });
      return;
    }
    switch (message.type) {
      case 'pause':
        connection.setState({ paused: true });
        this.send(connection, { type: 'status', paused: true });
        return;
      case 'subscribe':
      case 'resume':
        connection.setState({ paused: false });
        this.send(connection, { type: 'status', paused: false });
        if (this.latestView) connection.send(updateMessage(this.latestView, false));
        return;
      case 'force-update':
        this.forcing.add(connection.id);
        void this.readFresh().then(
          (latest) => {
            if (this.forcing.delete(connection.id)) connection.send(updateMessage(latest, true));
          },
          (err: Error) =>
            this.send(connection, { type: 'error', message: `fresh read failed: ${err.message}` }),
        );
        return;
    }
  }

  onClose(connection: LiveConnection): void {
    this.forcing.delete(connection.id);
  }

  /** The latest tick's view; `fresh` reads the store now (one round trip, shared by concurrent callers). */
  async latest(options: { fresh?: boolean } = {}): Promise<LatestView> {
    if (options.fresh || !this.latestView) return this.readFresh();
    return this.latestView;
  }

  async history(query: HistoryQuery): Promise<HistoryResponse> {
    const to = this.runtime.now();
    const from = to - query.minutes * MINUTE_MS;
    const intervalMs = this.options.intervalMs;
    if (resolutionFor(query) === 'tick') {
      return {
        resolution: 'tick',
        intervalMs,
        from,
        to,
        points: await this.runtime.storage.ticksSince(from),
      };
    }
    const rollups = await this.runtime.storage.minutesSince(minuteOf(from));
    return { resolution: '1m', intervalMs, from, to, points: rollups.map(minutePoint) };
  }

  async alerts(): Promise<AlertsReport> {
    const states = Object.values(this.alertState);
    return {
      rules: this.rules,
      rulesSource: this.rulesStored ? 'stored' : 'default',
      active: activeAlerts(this.alertState),
      states,
      history: await this.runtime.storage.recentAlertEvents(ALERT_HISTORY_SHOWN),
    };
  }

  async setRules(rules: AlertRule[]): Promise<AlertRule[]> {
    await this.options.store.writeAlertRules(this.options.cluster, rules);
    this.rules = rules;
    this.rulesStored = true;
    this.rulesLoadedAt = this.runtime.now();
    return rules;
  }

  async rooms(query: RoomQuery): Promise<RoomPage> {
    if (!this.latestView) await this.readFresh();
    const rooms = this.roomTable;
    return rooms ? pageRooms(rooms.table(), query, rooms.approximate) : pageRooms([], query, false);
  }

  /** Read, merge, remember, alert, push. Public so tests and a DO can drive ticks directly. */
  async tick(): Promise<LatestView> {
    const now = this.runtime.now();
    const read = await this.read(now);
    if ('error' in read) {
      const latest = this.describe(null, read.error, now);
      this.latestView = latest;
      this.push(latest);
      // The alerts stand as they were: keep Alertmanager from timing them out.
      await this.alertmanager.send(this.alertmanagerFeed, now);
      return latest;
    }
    const view = withRates(read.view, this.baselineFor(now));
    this.remember(view);
    await this.recordHistory(view, now);
    if (now - this.rulesLoadedAt >= RULES_REFRESH_MS) await this.loadAlertConfig(now);
    const events = await this.evaluate(view, now);
    this.alertmanagerFeed.update(this.rules, this.alertState, view, now);
    this.previousTick = view;
    const latest = this.describe(view, null, now);
    this.latestView = latest;
    this.push(latest);
    if (++this.ticks % PRUNE_EVERY_TICKS === 0) await this.prune(now);
    await Promise.all([
      events.length > 0 ? this.notifier.notify(events) : null,
      this.alertmanager.send(this.alertmanagerFeed, now),
    ]);
    return latest;
  }

  private readFresh(): Promise<LatestView> {
    this.freshRead ??= (async () => {
      const now = this.runtime.now();
      const read = await this.read(now);
      const latest =
        'error' in read
          ? this.describe(null, read.error, now)
          : this.describe(withRates(read.view, this.baselineFor(now)), null, now);
      if (!this.latestView || this.latestView.at <= now) this.latestView = latest;
      return latest;
    })().finally(() => {
      this.freshRead = null;
    });
    return this.freshRead;
  }

  private async read(now: number): Promise<{ view: ClusterView } | { error: string }> {
    let records: NodeRecord[];
    try {
      // A store that queues commands while disconnected must not stall the tick forever.
      records = await withTimeout(this.options.store.readNodes(this.options.cluster), this.readTimeoutMs);
    } catch (err) {
      return { error: `store unreachable (${this.options.store.kind}): ${(err as Error).message}` };
    }
    records = await this.takeFarewells(records, now);
    const { view, rooms } = mergeCluster(records, now, {
      cluster: this.options.cluster,
      intervalMs: this.options.intervalMs,
      lostForMs: this.lostForMs,
      topRooms: TOP_ROOMS_IN_VIEW,
    });
    this.roomTable = rooms;
    return { view };
  }

  /**
   * A node that left gracefully wrote its final snapshot as a farewell. Taken once — held here for
   * `lostForMs`, so every scrape in that time sees the node's final counters, and the node is
   * deregistered from the store — then served with the records until the hold ends.
   */
  private async takeFarewells(records: NodeRecord[], now: number): Promise<NodeRecord[]> {
    const arrived = records.filter((r) => r.raw === null && r.farewell);
    for (const record of arrived) this.farewells.set(record.nodeId, { record, until: now + this.lostForMs });
    for (const [id, held] of this.farewells) {
      const back = records.some((r) => r.nodeId === id && r.raw !== null);
      if (back || held.until <= now) this.farewells.delete(id);
    }
    await Promise.all(
      arrived.map((r) =>
        this.options.store
          .deregister(this.options.cluster, r.nodeId)
          .catch((err: Error) =>
            this.runtime.logger.warn(`deregistering ${r.nodeId} failed: ${err.message}`),
          ),
      ),
    );
    if (this.farewells.size === 0) return records;
    const current = records.filter((r) => !(r.raw === null && this.farewells.has(r.nodeId)));
    return [...current, ...[...this.farewells.values()].map((held) => held.record)];
  }

  private baselineFor(now: number): ClusterView | null {
    return (
      this.baselines.find((v) => now - v.generatedAt <= RATE_WINDOW_MS + this.options.intervalMs) ?? null
    );
  }

  private remember(view: ClusterView): void {
    this.baselines.push(view);
    const cutoff = view.generatedAt - RATE_WINDOW_MS - this.options.intervalMs;
    while (this.baselines.length > 1 && this.baselines[0]!.generatedAt < cutoff) this.baselines.shift();
  }

  private async recordHistory(view: ClusterView, now: number): Promise<void> {
    const { storage, logger } = this.runtime;
    try {
      await storage.appendTick(tickPoint(view), now - TICK_RETENTION_MS);
      await storage.putMinute(this.minutes.add(view), minuteOf(now - MINUTE_RETENTION_MS));
    } catch (err) {
      logger.warn(`history write failed: ${(err as Error).message}`);
    }
  }

  private async evaluate(view: ClusterView, now: number): Promise<AlertEvent[]> {
    const { state, events } = evaluateAlerts(this.rules, this.alertState, view, now, this.previousTick);
    this.alertState = state;
    if (events.length === 0) return events;
    try {
      await this.options.store.writeAlertState(this.options.cluster, state);
      await this.runtime.storage.appendAlertEvents(events, ALERT_HISTORY_KEEP);
    } catch (err) {
      this.runtime.logger.warn(`alert state write failed: ${(err as Error).message}`);
    }
    return events;
  }

  private async loadAlertConfig(now: number): Promise<void> {
    const { store, cluster } = this.options;
    try {
      const [rules, state] = await Promise.all([
        store.readAlertRules(cluster),
        store.readAlertState(cluster),
      ]);
      this.rules = rules ?? defaultAlertRules();
      this.rulesStored = rules !== null;
      // Our own state is newer than what we wrote; only adopt the stored one on a cold start.
      if (Object.keys(this.alertState).length === 0) this.alertState = state;
      this.rulesLoadedAt = now;
    } catch (err) {
      this.runtime.logger.warn(`alert rules not loaded, keeping the current ones: ${(err as Error).message}`);
    }
  }

  private async prune(now: number): Promise<void> {
    try {
      await this.options.store.pruneNodes(this.options.cluster, now - this.lostForMs);
    } catch (err) {
      this.runtime.logger.warn(`node prune failed: ${(err as Error).message}`);
    }
  }

  private describe(view: ClusterView | null, error: string | null, now: number): LatestView {
    const alerts = activeAlerts(this.alertState);
    const health = evaluateHealth(view, {
      expectedNodes: this.options.expectedNodes,
      storeError: error,
      alerts,
      serviceId: this.options.serviceId ?? `telltale-edge:${this.options.cluster}`,
      now,
    });
    return { view, error, at: now, health, alerts };
  }

  private push(latest: LatestView): void {
    const message = updateMessage(latest, false);
    for (const connection of this.runtime.hub.connections()) {
      if (connection.state.paused) continue;
      try {
        connection.send(message);
      } catch (err) {
        this.runtime.logger.warn(`live feed send to ${connection.id} failed: ${(err as Error).message}`);
      }
    }
  }

  private send(connection: LiveConnection, message: FeedServerMessage): void {
    connection.send(JSON.stringify(message));
  }
}

const TOP_ROOMS_IN_VIEW = 10;

function activeAlerts(state: Record<string, AlertState>): AlertState[] {
  return Object.values(state).filter((s) => s.phase === 'pending' || s.phase === 'firing');
}

export function updateMessage(latest: LatestView, forced: boolean): string {
  const message: FeedServerMessage = {
    type: 'update',
    at: latest.at,
    forced,
    status: latest.health.status,
    reason: latest.health.output ?? null,
    view: latest.view,
    error: latest.error,
    alerts: latest.alerts,
  };
  return JSON.stringify(message);
}
