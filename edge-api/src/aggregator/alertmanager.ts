import type { AlertmanagerFeed } from '@telltale/shared';
import type { AggregatorLogger } from './runtime.ts';

export interface AlertmanagerSenderOptions {
  /** ALERTMANAGER_URL: base URLs, or the full `/api/v2/alerts` endpoints. */
  urls: string[];
  fetch: typeof fetch;
  logger: AggregatorLogger;
  timeoutMs?: number;
}

const ALERTS_PATH = '/api/v2/alerts';

/** `http://am:9093` and `http://am:9093/api/v2/alerts/` both mean the same endpoint. */
export function alertsEndpoint(url: string): string {
  const base = url.replace(/\/+$/, '');
  return base.endsWith(ALERTS_PATH) ? base : `${base}${ALERTS_PATH}`;
}

/**
 * Posts the feed's alerts to every Alertmanager, as Prometheus does: to each one at once when an
 * alert started or resolved since it last accepted a post, otherwise every `feed.resendMs`. A
 * failed post is logged and tried again on the next tick; it never throws into the tick.
 */
export class AlertmanagerSender {
  private readonly endpoints: string[];
  /** When each endpoint last accepted the alerts. */
  private readonly delivered = new Map<string, number>();

  constructor(private readonly options: AlertmanagerSenderOptions) {
    this.endpoints = [...new Set(options.urls.map(alertsEndpoint))];
  }

  get configured(): boolean {
    return this.endpoints.length > 0;
  }

  async send(feed: AlertmanagerFeed, now: number): Promise<void> {
    const due = this.endpoints.filter((endpoint) => {
      const at = this.delivered.get(endpoint) ?? Number.NEGATIVE_INFINITY;
      return at < feed.changedAt || now - at >= feed.resendMs;
    });
    if (due.length === 0) return;
    const alerts = feed.alerts(now);
    if (alerts.length === 0) return;
    const body = JSON.stringify(alerts);
    await Promise.all(due.map((endpoint) => this.post(endpoint, body, alerts.length, now)));
  }

  private async post(endpoint: string, body: string, count: number, now: number): Promise<void> {
    try {
      const response = await this.options.fetch(endpoint, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body,
        signal: AbortSignal.timeout(this.options.timeoutMs ?? 5000),
      });
      if (!response.ok) {
        const answer = (await response.text()).slice(0, 200);
        throw new Error(`answered HTTP ${response.status}: ${answer}`);
      }
      await response.body?.cancel();
      this.delivered.set(endpoint, now);
    } catch (err) {
      this.options.logger.warn(
        `Alertmanager ${new URL(endpoint).origin} did not take ${count} alert(s) (${(err as Error).message}); posting again next tick`,
      );
    }
  }
}
