import {
  ALERTMANAGER_RESEND_MS,
  type AlertEvent,
  AlertmanagerFeed,
  type AlertRule,
  type AlertState,
  AvailabilitySeries,
  addSilence,
  alertLabels,
  alertmanagerPayload,
  audibleEvents,
  type ClusterView,
  decodeSilences,
  defaultAlertRules,
  type EdgeStore,
  evaluateAlerts,
  expireSilence,
  type HealthStatus,
  retainedSilences,
  type Severity,
  type Silence,
  SilenceRefused,
  type SilenceRequest,
  type SilenceStatus,
  SLO_ALERT_METRICS,
  type SloObjective,
  type SloReport,
  silencedBy,
  silenceStatus,
  sloAlertMetrics,
  sloReport,
} from '@telltale/shared';
import { type AlertDocuments, storeAlertDocuments } from './alert-documents.ts';
import { AlertmanagerSender } from './alertmanager.ts';
import { AlertNotifier } from './notifier.ts';
import type { AggregatorRuntime } from './runtime.ts';

export interface AlertKeeperOptions {
  cluster: string;
  intervalMs: number;
  store: EdgeStore;
  webhookUrl?: string | undefined;
  alertmanagerUrls?: string[] | undefined;
  externalUrl?: string | undefined;
  /** SLO_TARGET and SLO_WINDOW; default 99.9 % over 30 days. */
  slo?: SloObjective | undefined;
}

/** An alert's state, with the silence muting its notifications (null when none does). */
export type ReportedAlert = AlertState & { silencedBy: string | null };
export type ReportedSilence = Silence & { status: SilenceStatus };

export interface AlertsReport {
  rules: AlertRule[];
  rulesSource: 'stored' | 'default';
  active: ReportedAlert[];
  states: ReportedAlert[];
  /** State changes, newest first. */
  history: AlertEvent[];
  /** Pending and active silences first (soonest to end first), then expired ones, latest ended first. */
  silences: ReportedSilence[];
}

/** A silence created or expired, or why not; a plain object so it crosses the Durable Object's RPC. */
export type SilenceResult =
  | { ok: true; silence: ReportedSilence }
  | { ok: false; reason: SilenceRefused['reason']; message: string };

export const DEFAULT_SLO: SloObjective = { target: 0.999, windowMs: 30 * 86_400_000 };

const RULES_REFRESH_MS = 60_000;
const ALERT_HISTORY_KEEP = 1000;
const ALERT_HISTORY_SHOWN = 100;

/**
 * The cluster's alerts: the rules (stored or default, reloaded every minute), the engine's state
 * evaluated once per tick, the state changes posted to the webhook, and every standing alert
 * re-posted to the Alertmanagers.
 */
export class AlertKeeper {
  private rules: AlertRule[] = defaultAlertRules();
  private rulesStored = false;
  private rulesLoadedAt = Number.NEGATIVE_INFINITY;
  private state: Record<string, AlertState> = {};
  /** The previous tick's view, for delta alert metrics such as `errors.rate`. */
  private previousTick: ClusterView | null = null;
  private readonly notifier: AlertNotifier;
  private readonly feed: AlertmanagerFeed;
  private readonly alertmanager: AlertmanagerSender;
  private silences: Silence[] = [];
  /** Rules whose current firing reached the notifiers (see audibleEvents). */
  private readonly announced = new Set<string>();
  private readonly documents: AlertDocuments;
  private readonly objective: SloObjective;
  private series = new AvailabilitySeries();
  private seriesLoaded = false;
  /** The minute the series was last written in; it is written once a minute. */
  private seriesSavedMinute: number | null = null;

  constructor(
    private readonly options: AlertKeeperOptions,
    private readonly runtime: Pick<AggregatorRuntime, 'storage' | 'fetch' | 'now' | 'logger'> & {
      alertDocuments?: AlertDocuments | undefined;
    },
  ) {
    this.documents = runtime.alertDocuments ?? storeAlertDocuments(options.store);
    this.objective = options.slo ?? DEFAULT_SLO;
    const externalUrl = options.externalUrl?.replace(/\/+$/, '') ?? '';
    this.notifier = new AlertNotifier({
      url: options.webhookUrl,
      fetch: runtime.fetch,
      logger: runtime.logger,
      payload: (events) =>
        alertmanagerPayload(events, { cluster: options.cluster, externalUrl, state: this.state }),
    });
    this.feed = new AlertmanagerFeed({
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

  /** Pending and firing alerts. */
  active(): AlertState[] {
    return Object.values(this.state).filter((s) => s.phase === 'pending' || s.phase === 'firing');
  }

  /** Pending and firing alerts that count toward health: the SLO's burn-rate alerts do not (see count). */
  healthAlerts(): AlertState[] {
    const slo = new Set(this.rules.filter((r) => SLO_ALERT_METRICS.includes(r.metric)).map((r) => r.id));
    return this.active().filter((s) => !slo.has(s.ruleId));
  }

  async report(): Promise<AlertsReport> {
    const now = this.runtime.now();
    const reported = (s: AlertState): ReportedAlert => ({
      ...s,
      silencedBy: this.silencing(s.ruleId, s.severity, now)?.id ?? null,
    });
    return {
      rules: this.rules,
      rulesSource: this.rulesStored ? 'stored' : 'default',
      active: this.active().map(reported),
      states: Object.values(this.state).map(reported),
      history: await this.runtime.storage.recentAlertEvents(ALERT_HISTORY_SHOWN),
      silences: this.listSilences(now),
    };
  }

  listSilences(now: number): ReportedSilence[] {
    const rank = { active: 0, pending: 0, expired: 1 } as const;
    return this.silences
      .map((s) => ({ ...s, status: silenceStatus(s, now) }))
      .sort(
        (a, b) =>
          rank[a.status] - rank[b.status] || (rank[a.status] ? b.endsAt - a.endsAt : a.endsAt - b.endsAt),
      );
  }

  createSilence(request: SilenceRequest, author: string): Promise<SilenceResult> {
    return this.changeSilences(
      (now) => addSilence(this.silences, request, author, crypto.randomUUID(), now),
      'created',
    );
  }

  expireSilence(id: string, author: string): Promise<SilenceResult> {
    return this.changeSilences((now) => expireSilence(this.silences, id, author, now), 'expired');
  }

  /** The SLO's availability, error budget and burn rates now. */
  slo(now: number): SloReport {
    return sloReport(this.series, this.objective, now);
  }

  /**
   * One tick's sample of the availability SLO: bad when health is `fail`. Health leaves the SLO's
   * own burn-rate alerts out (healthAlerts), or a page would keep itself firing. Ticks inside a
   * maintenance window are not counted.
   */
  count(status: HealthStatus, now: number, options: { excluded?: boolean } = {}): void {
    if (!options.excluded) this.series.add(now, status === 'fail' ? 0 : 1, status === 'fail' ? 1 : 0);
  }

  /** Writes the SLO series on the first tick of each minute: a restart loses at most a minute of it. */
  async saveSeries(now: number): Promise<void> {
    const minute = Math.floor(now / 60_000);
    if (this.seriesSavedMinute === minute) return;
    this.seriesSavedMinute = minute;
    try {
      await this.documents.write('availability', this.series.encode());
    } catch (err) {
      this.runtime.logger.warn(`SLO series write failed: ${(err as Error).message}`);
    }
  }

  private silencing(ruleId: string, severity: Severity, now: number): Silence | null {
    return silencedBy(this.silences, alertLabels(ruleId, this.options.cluster, severity), now);
  }

  private async changeSilences(
    change: (now: number) => { silences: Silence[]; silence: Silence },
    what: 'created' | 'expired',
  ): Promise<SilenceResult> {
    const now = this.runtime.now();
    let next: { silences: Silence[]; silence: Silence };
    try {
      next = change(now);
    } catch (err) {
      if (err instanceof SilenceRefused) return { ok: false, reason: err.reason, message: err.message };
      throw err;
    }
    await this.documents.write('silences', JSON.stringify(next.silences));
    this.silences = next.silences;
    const { silence } = next;
    const matchers = silence.matchers.map((m) => `${m.name}${m.isEqual ? '=' : '!='}"${m.value}"`).join(',');
    const by = what === 'created' ? silence.createdBy : (silence.expiredBy ?? '');
    this.runtime.logger.warn(
      `silence ${silence.id} ${what} by ${by}: {${matchers}} until ${new Date(silence.endsAt).toISOString()}`,
    );
    return { ok: true, silence: { ...silence, status: silenceStatus(silence, now) } };
  }

  async setRules(rules: AlertRule[]): Promise<AlertRule[]> {
    await this.options.store.writeAlertRules(rules);
    this.rules = rules;
    this.rulesStored = true;
    this.rulesLoadedAt = this.runtime.now();
    return rules;
  }

  /** Loads the rules, and the stored state on a cold start; keeps the current ones when the store fails. */
  async load(now: number): Promise<void> {
    const { store } = this.options;
    try {
      const [rules, state, silences] = await Promise.all([
        store.readAlertRules(),
        store.readAlertState(),
        this.documents.read('silences'),
      ]);
      this.rules = rules ?? defaultAlertRules();
      this.rulesStored = rules !== null;
      this.silences = retainedSilences(decodeSilences(silences), now);
      // Our own state is newer than what we wrote; only adopt the stored one on a cold start.
      if (Object.keys(this.state).length === 0) {
        this.state = state;
        // What fired before the restart was announced then, unless a silence held it back.
        for (const s of Object.values(state))
          if (s.phase === 'firing' && !this.silencing(s.ruleId, s.severity, now))
            this.announced.add(s.ruleId);
      }
      if (!this.seriesLoaded) {
        this.series = AvailabilitySeries.decode(await this.documents.read('availability'));
        this.seriesLoaded = true;
      }
      this.rulesLoadedAt = now;
    } catch (err) {
      this.runtime.logger.warn(`alert rules not loaded, keeping the current ones: ${(err as Error).message}`);
    }
  }

  /** Evaluates the tick's view (reloading rules when due); returns the state changes, stored. */
  async evaluate(view: ClusterView, now: number): Promise<AlertEvent[]> {
    if (now - this.rulesLoadedAt >= RULES_REFRESH_MS) await this.load(now);
    const metrics = sloAlertMetrics(this.slo(now));
    const { state, events } = evaluateAlerts(this.rules, this.state, view, now, this.previousTick, metrics);
    this.state = state;
    if (events.length > 0) {
      try {
        await this.options.store.writeAlertState(state);
        await this.runtime.storage.appendAlertEvents(events, ALERT_HISTORY_KEEP);
      } catch (err) {
        this.runtime.logger.warn(`alert state write failed: ${(err as Error).message}`);
      }
    }
    // Silenced alerts are not posted: Alertmanager sees them end (see the README's Silences).
    const audible = this.rules.filter((r) => !this.silencing(r.id, r.severity, now));
    this.feed.update(audible, this.state, view, now);
    this.previousTick = view;
    return events;
  }

  /**
   * Posts the state changes no silence mutes to the webhook (and a firing a silence held back, once
   * it ended), and the standing alerts to the Alertmanagers.
   */
  async notify(events: AlertEvent[], now: number): Promise<void> {
    const isSilenced = (ruleId: string, severity: Severity) => this.silencing(ruleId, severity, now) !== null;
    const audible = audibleEvents(events, this.state, this.rules, isSilenced, this.announced, now);
    await Promise.all([
      audible.length > 0 ? this.notifier.notify(audible) : null,
      this.alertmanager.send(this.feed, now),
    ]);
  }
}
