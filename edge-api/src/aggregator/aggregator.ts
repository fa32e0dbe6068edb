import {
  type AlertEvent,
  type AlertRule,
  type AlertState,
  type ClusterRead,
  type ClusterView,
  type Command,
  commandSigner,
  dispatchCommand,
  type EdgeStore,
  evaluateHealth,
  type HealthReport,
  mergeCluster,
  type PulseRecord,
  RateBaseline,
  type SilenceRequest,
  type SloObjective,
  type SloReport,
  timings,
  withTimeout,
} from '@telltale/shared';
import { feedUpdate } from '../live/update.ts';
import type { Incident, IncidentInput, IncidentUpdateInput } from '../status/incidents.ts';
import { StatusKeeper, type WindowResult } from '../status/keeper.ts';
import type { MaintenanceWindow, MaintenanceWindowInput, Occurrence } from '../status/maintenance.ts';
import type { StatusReport } from '../status/report.ts';
import { createMemoryStatusStorage } from '../status/storage.ts';
import { AlertKeeper, type AlertsReport, type ReportedSilence, type SilenceResult } from './alert-keeper.ts';
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
import type { AggregatorRuntime, LiveConnection } from './runtime.ts';

export interface AggregatorOptions {
  cluster: string;
  /** Tick interval (TICK_INTERVAL_MS, defaulting to FLUSH_INTERVAL_MS). */
  intervalMs: number;
  expectedNodes: number;
  store: EdgeStore;
  webhookUrl?: string;
  /** Alertmanagers that get every firing alert over their API v2 (ALERTMANAGER_URL). */
  alertmanagerUrls?: string[];
  serviceId?: string;
  /** Where people reach this edge (PUBLIC_URL), for links in alerts; unset: alerts carry no links. */
  externalUrl?: string;
  /** How long a node that vanished without deregistering is reported `lost` before it is pruned. */
  lostForMs?: number;
  /** SLO_TARGET and SLO_WINDOW; default 99.9 % over 30 days. */
  slo?: SloObjective;
  /** STATUS_WARN_INCIDENT_MS: `warn` this long opens an incident too; unset: only `fail` does. */
  warnIncidentAfterMs?: number | null;
  /** COMMAND_TIMEOUT_MS and COMMAND_SIGNING_KEY, for the maintenance command a window with `switchNodes` sends. */
  commandTimeoutMs?: number;
  commandSigningKey?: string | undefined;
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
  /** The availability SLO at this tick. */
  slo: SloReport;
}

export type { AlertsReport, ReportedSilence, SilenceResult } from './alert-keeper.ts';

const PRUNE_EVERY_TICKS = 10;
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
  private readonly rates: RateBaseline;
  private readonly alertKeeper: AlertKeeper;
  private readonly status: StatusKeeper;
  private readonly minutes = new MinuteAccumulator();
  private readonly lostForMs: number;
  private readonly readTimeoutMs: number;
  private ticks = 0;
  private freshRead: Promise<LatestView> | null = null;
  private readonly forcing = new Set<string>();
  /** Farewells of nodes that left gracefully, by node id, held until `until`. */
  private readonly farewells = new Map<string, { record: PulseRecord; until: number }>();
  private stopped = false;

  constructor(
    readonly options: AggregatorOptions,
    private readonly runtime: AggregatorRuntime,
  ) {
    this.lostForMs = options.lostForMs ?? Math.max(10 * options.intervalMs, MIN_LOST_FOR_MS);
    this.readTimeoutMs = Math.max(MIN_READ_TIMEOUT_MS, options.intervalMs);
    // Views come every tick: one tick past the minute is enough to keep the baseline in reach.
    this.rates = new RateBaseline(options.intervalMs);
    this.alertKeeper = new AlertKeeper(options, runtime);
    this.status = new StatusKeeper({
      intervalMs: options.intervalMs,
      expectedNodes: options.expectedNodes,
      warnIncidentAfterMs: options.warnIncidentAfterMs ?? null,
      storage: runtime.statusStorage ?? createMemoryStatusStorage(),
      logger: runtime.logger,
      onNodesMaintenance: (enabled, occurrence) => void this.switchNodes(enabled, occurrence),
    });
  }

  /** Restores what storage kept (the open minute), loads alert rules and state, runs the first tick. */
  async onStart(): Promise<void> {
    this.stopped = false;
    const now = this.runtime.now();
    const [open] = (await this.runtime.storage.minutesSince(minuteOf(now))).slice(-1);
    if (open) this.minutes.resume(open);
    await this.alertKeeper.load(now);
    await this.status
      .load(now)
      .catch((err: Error) => this.runtime.logger.warn(`status history not loaded: ${err.message}`));
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

  alerts(): Promise<AlertsReport> {
    return this.alertKeeper.report();
  }

  setRules(rules: AlertRule[]): Promise<AlertRule[]> {
    return this.alertKeeper.setRules(rules);
  }

  async silences(): Promise<ReportedSilence[]> {
    return this.alertKeeper.listSilences(this.runtime.now());
  }

  createSilence(request: SilenceRequest, author: string): Promise<SilenceResult> {
    return this.alertKeeper.createSilence(request, author);
  }

  expireSilence(id: string, author: string): Promise<SilenceResult> {
    return this.alertKeeper.expireSilence(id, author);
  }

  async slo(): Promise<SloReport> {
    return this.alertKeeper.slo(this.runtime.now());
  }

  /** Read, merge, remember, alert, push. Public so tests and a DO can drive ticks directly. */
  async tick(): Promise<LatestView> {
    const now = this.runtime.now();
    const read = await this.read(now);
    if ('error' in read) {
      const latest = this.describe(null, read.error, now);
      this.countSlo(latest, now);
      this.latestView = latest;
      this.push(latest);
      await this.status.observe(statusTick(latest, []));
      await this.alertKeeper.saveSeries(now);
      // The alerts stand as they were: keep Alertmanager from timing them out.
      await this.notify([], now);
      return latest;
    }
    const view = this.rates.rateAndKeep(read.view);
    await this.recordHistory(view, now);
    const events = await this.alertKeeper.evaluate(view, now);
    const latest = this.describe(view, null, now);
    this.countSlo(latest, now);
    this.latestView = latest;
    this.push(latest);
    await this.status.observe(statusTick(latest, events));
    await this.alertKeeper.saveSeries(now);
    if (++this.ticks % PRUNE_EVERY_TICKS === 0) await this.prune(now);
    await this.notify(events, now);
    return latest;
  }

  /** Counts the tick toward the SLO (not inside a maintenance window); the view carries the SLO after it. */
  private countSlo(latest: LatestView, now: number): void {
    const excluded = Boolean(this.status.suppressesNotifications(now));
    this.alertKeeper.count(latest.health.status, now, { excluded });
    latest.slo = this.alertKeeper.slo(now);
  }

  /** Inside a maintenance window nothing goes out: no webhook, no Alertmanager post. */
  /** A window with `switchNodes` turns the nodes' maintenance mode on at its start and off at its end. */
  private async switchNodes(enabled: boolean, occurrence: Occurrence): Promise<void> {
    const { store, commandSigningKey } = this.options;
    const command: Command = enabled
      ? { type: 'maintenance', enabled, message: occurrence.message }
      : { type: 'maintenance', enabled };
    try {
      const dispatched = await dispatchCommand(
        {
          store,
          timeoutMs: this.options.commandTimeoutMs ?? timings.commandTimeout.defaultMs,
          signer: commandSigningKey ? commandSigner(commandSigningKey) : null,
          now: this.runtime.now,
        },
        command,
        `maintenance-window:${occurrence.windowId}`,
      );
      if (dispatched.kind !== 'complete')
        this.runtime.logger.warn(
          `maintenance ${enabled ? 'on' : 'off'} for window ${occurrence.windowId}: ${dispatched.kind}`,
        );
    } catch (err) {
      this.runtime.logger.warn(
        `maintenance ${enabled ? 'on' : 'off'} for window ${occurrence.windowId} failed: ${(err as Error).message}`,
      );
    }
  }

  private async notify(events: AlertEvent[], now: number): Promise<void> {
    if (this.status.suppressesNotifications(now)) return;
    await this.alertKeeper.notify(events, now);
  }

  async statusReport(): Promise<StatusReport> {
    return this.status.report(this.runtime.now());
  }

  async incidents(limit: number): Promise<Incident[]> {
    return this.status.incidents(limit);
  }

  announceIncident(input: IncidentInput, actor: string): Promise<Incident> {
    return this.status.announce(input, actor, this.runtime.now());
  }

  updateIncident(id: string, input: IncidentUpdateInput, actor: string): Promise<Incident | null> {
    return this.status.update(id, input, actor, this.runtime.now());
  }

  async maintenanceWindows(): Promise<MaintenanceWindow[]> {
    return this.status.windows();
  }

  addMaintenanceWindow(input: MaintenanceWindowInput, actor: string): Promise<WindowResult> {
    return this.status.addWindow(input, actor, this.runtime.now());
  }

  removeMaintenanceWindow(id: string): Promise<boolean> {
    return this.status.removeWindow(id);
  }

  private readFresh(): Promise<LatestView> {
    this.freshRead ??= (async () => {
      const now = this.runtime.now();
      const read = await this.read(now);
      const latest =
        'error' in read
          ? this.describe(null, read.error, now)
          : this.describe(this.rates.rate(read.view), null, now);
      if (!this.latestView || this.latestView.at <= now) this.latestView = latest;
      return latest;
    })().finally(() => {
      this.freshRead = null;
    });
    return this.freshRead;
  }

  private async read(now: number): Promise<{ view: ClusterView } | { error: string }> {
    let read: ClusterRead;
    try {
      // A store that queues commands while disconnected must not stall the tick forever.
      read = await withTimeout(this.options.store.readCluster(), this.readTimeoutMs);
    } catch (err) {
      return { error: `store unreachable (${this.options.store.kind}): ${(err as Error).message}` };
    }
    const nodes = await this.takeFarewells(read.nodes, now);
    const view = mergeCluster({ ...read, nodes }, now, {
      cluster: this.options.cluster,
      intervalMs: this.options.intervalMs,
      lostForMs: this.lostForMs,
      topRooms: TOP_ROOMS_IN_VIEW,
    });
    return { view };
  }

  /**
   * A node that left gracefully wrote its final snapshot as a farewell. Taken once — held here for
   * `lostForMs`, so every scrape in that time sees the node's final counters, and the node is
   * deregistered from the store — then served with the records until the hold ends.
   */
  private async takeFarewells(records: PulseRecord[], now: number): Promise<PulseRecord[]> {
    const arrived = records.filter((r) => r.pulse === null && r.farewell);
    for (const record of arrived) this.farewells.set(record.nodeId, { record, until: now + this.lostForMs });
    for (const [id, held] of this.farewells) {
      const back = records.some((r) => r.nodeId === id && r.pulse !== null);
      if (back || held.until <= now) this.farewells.delete(id);
    }
    await Promise.all(
      arrived.map((r) =>
        this.options.store
          .deregister(r.nodeId)
          .catch((err: Error) =>
            this.runtime.logger.warn(`deregistering ${r.nodeId} failed: ${err.message}`),
          ),
      ),
    );
    if (this.farewells.size === 0) return records;
    const current = records.filter((r) => !(r.pulse === null && this.farewells.has(r.nodeId)));
    return [...current, ...[...this.farewells.values()].map((held) => held.record)];
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

  private async prune(now: number): Promise<void> {
    try {
      await this.options.store.pruneNodes(now - this.lostForMs);
    } catch (err) {
      this.runtime.logger.warn(`node prune failed: ${(err as Error).message}`);
    }
  }

  private describe(view: ClusterView | null, error: string | null, now: number): LatestView {
    const alerts = this.alertKeeper.active();
    const health = evaluateHealth(view, {
      expectedNodes: this.options.expectedNodes,
      storeError: error,
      alerts: this.alertKeeper.healthAlerts(),
      serviceId: this.options.serviceId ?? `telltale-edge:${this.options.cluster}`,
      now,
    });
    return { view, error, at: now, health, alerts, slo: this.alertKeeper.slo(now) };
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

/** The part of a tick the status history keeps. */
function statusTick(latest: LatestView, alertEvents: AlertEvent[]) {
  const view = latest.view;
  return {
    at: latest.at,
    health: latest.health,
    nodes: view
      ? { live: view.nodes.live, stale: view.nodes.stale, lost: view.nodes.lost, invalid: view.nodes.invalid }
      : null,
    connections: view?.connections.total ?? null,
    errorCount: view?.errors.count ?? null,
    latencyP95: view?.events.latency.p95 ?? null,
    latencyP99: view?.events.latency.p99 ?? null,
    alertEvents,
  };
}

/** The update message the feeds push, as JSON (`feedUpdate` is its shape, also served for polling). */
export function updateMessage(latest: LatestView, forced: boolean): string {
  return JSON.stringify(feedUpdate(latest, forced));
}
