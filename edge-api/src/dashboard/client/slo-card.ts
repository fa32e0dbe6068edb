import type { AdminApi } from './api.ts';
import { byId, h, replaceChildren, setText } from './dom.ts';
import { burnRateLabel, formatBudget, formatBurnRate, formatPercent, formatWindow } from './slo-format.ts';

/**
 * The availability SLO card: target and window, availability so far, the error budget left and the
 * burn rate over each alerting window, as `GET /admin/slo` answers them (nothing recomputed here).
 * Each value carries the raw number in `data-value`.
 */
export class SloCard {
  private readonly card = byId('slo-card');

  constructor(
    private readonly api: AdminApi,
    private readonly onError: (message: string) => void,
  ) {}

  private slot(name: string): HTMLElement {
    const element = this.card.querySelector<HTMLElement>(`[data-slo="${name}"]`);
    if (!element) throw new Error(`the SLO card has no [data-slo="${name}"]`);
    return element;
  }

  private put(name: string, text: string, value: number | null): void {
    const element = this.slot(name);
    setText(element, text);
    element.dataset.value = String(value);
  }

  async refresh(): Promise<void> {
    try {
      const slo = await this.api.read(this.api.client.admin.slo.$get(), 'GET /admin/slo');
      const window = formatWindow(slo.windowMs);
      this.put('target', `${formatPercent(slo.target)} over ${window}`, slo.target);
      this.slot('target').dataset.windowMs = String(slo.windowMs);
      this.put('availability', formatPercent(slo.availability), slo.availability);
      this.put('budget', formatBudget(slo.errorBudgetRemaining), slo.errorBudgetRemaining);
      setText(this.slot('ticks'), `${slo.good} good · ${slo.bad} bad`);
      setText(this.slot('window'), `so far, of the ${window} window`);
      this.card.dataset.budget =
        slo.errorBudgetRemaining === null ? 'unknown' : slo.errorBudgetRemaining < 0 ? 'spent' : 'left';
      this.card.title = slo.definition;
      replaceChildren(
        this.slot('burn-rates'),
        ...Object.entries(slo.burnRates).map(([window, rate]) =>
          h(
            'div',
            {},
            h('dt', {}, burnRateLabel(window)),
            h('dd', { 'data-burn': window, 'data-value': String(rate) }, formatBurnRate(rate)),
          ),
        ),
      );
    } catch (error) {
      this.onError(error instanceof Error ? error.message : String(error));
    }
  }
}
