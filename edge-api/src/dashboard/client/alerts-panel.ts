import { type AdminApi, pathParam } from './api.ts';
import { badge, byId, fillTable, h, replaceChildren } from './dom.ts';
import { formatAge, formatDateTime } from './format.ts';
import { RulesEditor } from './rules-editor.ts';
import type { AlertStateRow, AlertsReport } from './schemas.ts';

type SilenceRow = AlertsReport['silences'][number];

const SILENCE_DURATIONS: [label: string, ms: number][] = [
  ['15 minutes', 15 * 60_000],
  ['1 hour', 3_600_000],
  ['4 hours', 4 * 3_600_000],
  ['1 day', 86_400_000],
  ['1 week', 7 * 86_400_000],
];
const STATUS_TONE = { active: 'warn', pending: 'info', expired: 'muted' } as const;

/** An alert as the live feed carries it (no silence) or as /admin/alerts reports it (with one). */
type ActiveAlert = Omit<AlertStateRow, 'silencedBy'> & { silencedBy?: string | null };

const SEVERITY_TONE = { info: 'info', warning: 'warn', critical: 'fail', emergency: 'fail' } as const;
const PHASE_TONE = { inactive: 'muted', pending: 'warn', firing: 'fail', resolved: 'pass' } as const;

/** Active alerts (from each live update) and the state-change history (from /admin/alerts). */
export class AlertsPanel {
  private readonly active = byId('alerts-active');
  private readonly history = byId('alerts-history').querySelector('tbody')!;
  private descriptions = new Map<string, string>();
  /** Rule id → the silence muting it, from the last /admin/alerts (the live feed does not carry it). */
  private silencedBy = new Map<string, string>();
  private readonly ruleOptions = h('datalist', { id: 'silence-rules' });
  private readonly silenceRows = h('tbody');
  private readonly rules: RulesEditor;

  constructor(
    private readonly api: AdminApi,
    private readonly onError: (message: string) => void,
  ) {
    this.rules = new RulesEditor(api, () => this.refresh());
    const silences = this.silencesSection();
    this.active.after(silences);
    silences.after(this.rules.section);
  }

  /** The silence form and list, built here so the page markup stays the feed's. */
  private silencesSection(): HTMLElement {
    const rule = h('input', {
      name: 'ruleId',
      list: 'silence-rules',
      required: true,
      placeholder: 'rule id',
      maxlength: 100,
    });
    const duration = h(
      'select',
      { name: 'duration', 'aria-label': 'for how long' },
      ...SILENCE_DURATIONS.map(([label, ms]) =>
        h('option', { value: ms, selected: ms === 3_600_000 }, label),
      ),
    );
    const comment = h('input', { name: 'comment', required: true, placeholder: 'why', maxlength: 500 });
    const form = h(
      'form',
      { id: 'silence-form', class: 'inline-form', 'data-requires': 'admin' },
      rule,
      this.ruleOptions,
      duration,
      comment,
      h('button', { type: 'submit' }, 'Silence'),
    );
    form.addEventListener('submit', (event) => {
      event.preventDefault();
      void this.createSilence(rule.value.trim(), Number(duration.value), comment.value.trim()).then((ok) => {
        if (ok) form.reset();
      });
    });
    return h(
      'div',
      { id: 'silences' },
      h('h4', { class: 'subhead' }, 'Silences'),
      form,
      h(
        'div',
        { class: 'table-wrap' },
        h(
          'table',
          { class: 'table', id: 'silences-table' },
          h(
            'thead',
            {},
            h(
              'tr',
              {},
              h('th', {}, 'matches'),
              h('th', {}, 'status'),
              h('th', {}, 'until'),
              h('th', {}, 'by'),
              h('th', {}, 'why'),
              h('th', {}, ''),
            ),
          ),
          this.silenceRows,
        ),
      ),
    );
  }

  private async createSilence(ruleId: string, durationMs: number, comment: string): Promise<boolean> {
    try {
      await this.api.read(
        this.api.client.admin.silences.$post({ json: { ruleId, durationMs, comment } }),
        'POST /admin/silences',
      );
      await this.refresh();
      return true;
    } catch (error) {
      this.onError(error instanceof Error ? error.message : String(error));
      return false;
    }
  }

  private async expireSilence(id: string, button: HTMLButtonElement): Promise<void> {
    button.disabled = true;
    try {
      await this.api.read(
        this.api.client.admin.silences[':id'].$delete({ param: { id: pathParam(id) } }),
        `DELETE /admin/silences/${id}`,
      );
      await this.refresh();
    } catch (error) {
      button.disabled = false;
      this.onError(error instanceof Error ? error.message : String(error));
    }
  }

  private showSilences(silences: SilenceRow[]): void {
    const rows = silences.map((silence) => {
      const matchers = silence.matchers
        .map((m) => `${m.name}${m.isEqual ? '=' : '!='}"${m.value}"`)
        .join(', ');
      const expire = h(
        'button',
        { type: 'button', class: 'small', 'data-silence': silence.id, 'data-requires': 'admin' },
        'Expire',
      );
      expire.addEventListener('click', () => void this.expireSilence(silence.id, expire));
      return h(
        'tr',
        { 'data-silence-id': silence.id },
        h('td', { class: 'mono' }, matchers),
        h('td', {}, badge(silence.status, STATUS_TONE[silence.status])),
        h('td', { class: 'num nowrap' }, formatDateTime(silence.endsAt)),
        h(
          'td',
          {},
          silence.expiredBy ? `${silence.createdBy} (expired by ${silence.expiredBy})` : silence.createdBy,
        ),
        h('td', {}, silence.comment),
        h('td', {}, silence.status === 'expired' ? null : expire),
      );
    });
    fillTable(this.silenceRows, 6, rows, 'No silence.');
  }

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
          ' ',
          ...this.silencedNote(alert),
          h(
            'span',
            { class: 'muted' },
            ` ${this.descriptions.get(alert.ruleId) ?? ''} · value ${alert.value ?? '–'} · since ${formatAge(alert.since, now)}`,
          ),
        ),
      ),
    );
  }

  private silencedNote(alert: ActiveAlert): HTMLElement[] {
    const silence = alert.silencedBy ?? this.silencedBy.get(alert.ruleId) ?? null;
    return silence
      ? [
          h(
            'span',
            { class: 'badge badge-muted', title: `silence ${silence}` },
            `silenced by ${silence.slice(0, 8)}`,
          ),
        ]
      : [];
  }

  async refresh(): Promise<void> {
    try {
      const report = await this.api.read(this.api.client.admin.alerts.$get(), 'GET /admin/alerts');
      this.descriptions = new Map(report.rules.map((rule) => [rule.id, rule.description]));
      this.silencedBy = new Map(
        report.states.flatMap((s) => (s.silencedBy ? [[s.ruleId, s.silencedBy]] : [])),
      );
      replaceChildren(this.ruleOptions, ...report.rules.map((rule) => h('option', { value: rule.id })));
      this.rules.show(report.rules);
      this.showSilences(report.silences);
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
