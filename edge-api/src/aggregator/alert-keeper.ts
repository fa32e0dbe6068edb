import {
  ALERTMANAGER_RESEND_MS,
  type AlertEvent,
  AlertmanagerFeed,
  type AlertRule,
  type AlertState,
  alertmanagerPayload,
  type ClusterView,
  defaultAlertRules,
  type EdgeStore,
  evaluateAlerts,
} from '@telltale/shared';
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
}

export interface AlertsReport {
  rules: AlertRule[];
  rulesSource: 'stored' | 'default';
  active: AlertState[];
  states: AlertState[];
  /** State changes, newest first. */
  history: AlertEvent[];
}

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

  constructor(
    private readonly options: AlertKeeperOptions,
    private readonly runtime: Pick<AggregatorRuntime, 'storage' | 'fetch' | 'now' | 'logger'>,
  ) {
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

  async report(): Promise<AlertsReport> {
    return {
      rules: this.rules,
      rulesSource: this.rulesStored ? 'stored' : 'default',
      active: this.active(),
      states: Object.values(this.state),
      history: await this.runtime.storage.recentAlertEvents(ALERT_HISTORY_SHOWN),
    };
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
      const [rules, state] = await Promise.all([store.readAlertRules(), store.readAlertState()]);
      this.rules = rules ?? defaultAlertRules();
      this.rulesStored = rules !== null;
      // Our own state is newer than what we wrote; only adopt the stored one on a cold start.
      if (Object.keys(this.state).length === 0) this.state = state;
      this.rulesLoadedAt = now;
    } catch (err) {
      this.runtime.logger.warn(`alert rules not loaded, keeping the current ones: ${(err as Error).message}`);
    }
  }

  /** Evaluates the tick's view (reloading rules when due); returns the state changes, stored. */
  async evaluate(view: ClusterView, now: number): Promise<AlertEvent[]> {
    if (now - this.rulesLoadedAt >= RULES_REFRESH_MS) await this.load(now);
    const { state, events } = evaluateAlerts(this.rules, this.state, view, now, this.previousTick);
    this.state = state;
    if (events.length > 0) {
      try {
        await this.options.store.writeAlertState(state);
        await this.runtime.storage.appendAlertEvents(events, ALERT_HISTORY_KEEP);
      } catch (err) {
        this.runtime.logger.warn(`alert state write failed: ${(err as Error).message}`);
      }
    }
    this.feed.update(this.rules, this.state, view, now);
    this.previousTick = view;
    return events;
  }

  /** Posts the state changes to the webhook and the standing alerts to the Alertmanagers. */
  async notify(events: AlertEvent[], now: number): Promise<void> {
    await Promise.all([
      events.length > 0 ? this.notifier.notify(events) : null,
      this.alertmanager.send(this.feed, now),
    ]);
  }
}
