import type { AlertEvent } from '@telltale/shared';
import type { AggregatorLogger } from './runtime.ts';

export interface NotifierOptions {
  url: string | undefined;
  fetch: typeof fetch;
  logger: AggregatorLogger;
  /** Builds the webhook body (Alertmanager-compatible); null when none of the events is worth a page. */
  payload: (events: AlertEvent[]) => unknown | null;
  timeoutMs?: number;
}

/** Undelivered events waiting for the next state change; bounded so a dead webhook cannot grow memory. */
const MAX_PENDING = 200;

/**
 * Sends one webhook per batch of alert state changes. A failed delivery is logged and its events
 * ride along with the next change, so nothing is dropped silently and nothing throws into the tick.
 */
export class AlertNotifier {
  private pending: AlertEvent[] = [];

  constructor(private readonly options: NotifierOptions) {}

  get undelivered(): number {
    return this.pending.length;
  }

  async notify(events: AlertEvent[]): Promise<boolean> {
    const { url, logger } = this.options;
    if (!url || events.length === 0) return false;
    const batch = [...this.pending, ...events].slice(-MAX_PENDING);
    const body = this.options.payload(batch);
    if (body === null) return false;
    try {
      const response = await this.options.fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
        signal: AbortSignal.timeout(this.options.timeoutMs ?? 5000),
      });
      await response.body?.cancel();
      if (!response.ok) throw new Error(`answered HTTP ${response.status}`);
      this.pending = [];
      return true;
    } catch (err) {
      this.pending = batch;
      logger.warn(
        `alert webhook ${new URL(url).origin} failed (${(err as Error).message}); ${batch.length} event(s) will be retried with the next change`,
      );
      return false;
    }
  }
}
