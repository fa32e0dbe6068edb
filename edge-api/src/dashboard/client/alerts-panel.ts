import type { AdminApi } from './api.ts';
import { badge, byId, fillTable, h, replaceChildren } from './dom.ts';
import { formatAge, formatDateTime } from './format.ts';
import type { AlertStateRow } from './schemas.ts';

/** An alert as the live feed carries it (no silence) or as /admin/alerts reports it (with one). */
type ActiveAlert = Omit<AlertStateRow, 'silencedBy'> & { silencedBy?: string | null };

const SEVERITY_TONE = { info: 'info', warning: 'warn', critical: 'fail', emergency: 'fail' } as const;
const PHASE_TONE = { inactive: 'muted', pending: 'warn', firing: 'fail', resolved: 'pass' } as const;

/** Active alerts (from each live update) and the state-change history (from /admin/alerts). */
export class AlertsPanel {
  private readonly active = byId('alerts-active');
  private readonly history = byId('alerts-history').querySelector('tbody')!;
  private descriptions = new Map<string, string>();

  constructor(
    private readonly api: AdminApi,
    private readonly onError: (message: string) => void,
  ) {}

  showActive(alerts: ActiveAlert[], now: number): void {
    const open = alerts.filter((alert) => alert.phase === 'firing' || alert.phase === 'pending');
    if (open.length === 0) {
      replaceChildren(
        this.active,
        h('li', { class: 'empty' }, badge('ok', 'pass'), ' No alert is pending or firing.'),
      );
      return;
    }
    replaceChildren(
      this.active,
      ...open.map((alert) =>
        h(
          'li',
          { 'data-rule': alert.ruleId },
          badge(alert.phase, PHASE_TONE[alert.phase]),
          badge(alert.severity, SEVERITY_TONE[alert.severity]),
          h('strong', {}, alert.ruleId),
          h(
            'span',
            { class: 'muted' },
            ` ${this.descriptions.get(alert.ruleId) ?? ''} · value ${alert.value ?? '–'} · since ${formatAge(alert.since, now)}`,
          ),
        ),
      ),
    );
  }

  async refresh(): Promise<void> {
    try {
      const report = await this.api.read(this.api.client.admin.alerts.$get(), 'GET /admin/alerts');
      this.descriptions = new Map(report.rules.map((rule) => [rule.id, rule.description]));
      this.showActive(report.active, Date.now());
      const rows = report.history
        .slice(0, 50)
        .map((event) =>
          h(
            'tr',
            {},
            h('td', { class: 'num nowrap' }, formatDateTime(event.at)),
            h('td', { class: 'mono', title: event.description }, event.ruleId),
            h('td', {}, `${event.from} → `, badge(event.to, PHASE_TONE[event.to])),
            h('td', {}, badge(event.severity, SEVERITY_TONE[event.severity])),
            h('td', { class: 'num' }, `${event.value ?? '–'} (${event.metric} ${event.threshold})`),
          ),
        );
      fillTable(this.history, 5, rows, 'No alert has changed state yet.');
    } catch (error) {
      this.onError(error instanceof Error ? error.message : String(error));
    }
  }
}
