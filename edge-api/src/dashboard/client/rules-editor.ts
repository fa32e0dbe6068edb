import type { AlertRule } from '@telltale/shared';
import { describeFailure, showResult } from './action-result.ts';
import { type AdminApi, pathParam } from './api.ts';
import { confirmAction } from './confirm.ts';
import { badge, fillTable, h, replaceChildren } from './dom.ts';
import { describeRule, editedRule, ruleChanges } from './rule-edit.ts';

const SEVERITIES = ['info', 'warning', 'critical', 'emergency'] as const;
const COMPARISONS = ['>', '>=', '<', '<=', '==', '!='] as const;

/**
 * The alert rules with an Edit action each (admins only): a form checked with the rule schema, a
 * confirmation naming every change, then `PUT /admin/alerts/rules/:id`; the other rules stay as they are.
 */
export class RulesEditor {
  readonly section: HTMLElement;
  private readonly rows = h('tbody');
  private readonly output = h('output', { class: 'command-result', id: 'rules-result', hidden: true });
  private readonly dialog = h('dialog', {
    id: 'rule-dialog',
    class: 'confirm-dialog',
    'aria-labelledby': 'rule-title',
  });

  constructor(
    private readonly api: AdminApi,
    private readonly onSaved: () => Promise<void>,
  ) {
    document.body.append(this.dialog);
    this.section = h(
      'div',
      { id: 'alert-rules' },
      h('h4', { class: 'subhead' }, 'Rules'),
      this.output,
      h(
        'div',
        { class: 'table-wrap' },
        h(
          'table',
          { class: 'table', id: 'rules-table' },
          h(
            'thead',
            {},
            h(
              'tr',
              {},
              h('th', {}, 'rule'),
              h('th', {}, 'condition'),
              h('th', {}, 'severity'),
              h('th', {}, 'state'),
              h('th', { 'data-requires': 'admin' }, ''),
            ),
          ),
          this.rows,
        ),
      ),
    );
  }

  show(rules: AlertRule[]): void {
    const rows = rules.map((rule) => {
      const edit = h('button', { type: 'button', class: 'small', 'data-edit-rule': rule.id }, 'Edit');
      edit.addEventListener('click', () => this.open(rule));
      return h(
        'tr',
        { 'data-rule-id': rule.id },
        h('td', { class: 'mono', title: rule.description }, rule.id),
        h(
          'td',
          { class: 'mono' },
          `${rule.metric} ${rule.comparison} ${rule.threshold}${rule.forMs ? ` for ${rule.forMs / 1000} s` : ''}`,
        ),
        h('td', {}, rule.severity),
        h('td', {}, rule.enabled ? badge('enabled', 'pass') : badge('disabled', 'muted')),
        h('td', { 'data-requires': 'admin' }, edit),
      );
    });
    fillTable(this.rows, 5, rows, 'No alert rule.');
  }

  private open(rule: AlertRule): void {
    const field = (label: string, input: HTMLElement) => h('label', { class: 'rule-field' }, label, input);
    const description = h('input', { name: 'description', value: rule.description, maxlength: 500 });
    const comparison = h(
      'select',
      { name: 'comparison' },
      ...COMPARISONS.map((c) => h('option', { value: c, selected: c === rule.comparison }, c)),
    );
    // No native `required`: the rule schema checks the form and says which field is wrong.
    const threshold = h('input', { name: 'threshold', inputmode: 'decimal', value: rule.threshold });
    const forSeconds = h('input', { name: 'forSeconds', inputmode: 'decimal', value: rule.forMs / 1000 });
    const hysteresis = h('input', { name: 'hysteresis', inputmode: 'decimal', value: rule.hysteresis });
    const severity = h(
      'select',
      { name: 'severity' },
      ...SEVERITIES.map((s) => h('option', { value: s, selected: s === rule.severity }, s)),
    );
    const enabled = h('input', { name: 'enabled', type: 'checkbox', checked: rule.enabled });
    const error = h('p', { class: 'form-error', role: 'alert', hidden: true });
    const cancel = h('button', { type: 'button', class: 'btn' }, 'Cancel');
    const form = h(
      'form',
      { id: 'rule-form', class: 'rule-form' },
      h('h2', { id: 'rule-title' }, `Edit rule ${rule.id}`),
      h(
        'p',
        { class: 'muted mono' },
        rule.confirmMetric ? `${rule.metric} and ${rule.confirmMetric}` : rule.metric,
      ),
      field('description', description),
      h('div', { class: 'rule-condition' }, field('comparison', comparison), field('threshold', threshold)),
      field('for (seconds the condition must hold)', forSeconds),
      field('hysteresis (fraction of the threshold to resolve)', hysteresis),
      field('severity', severity),
      h('label', { class: 'rule-field rule-check' }, enabled, ' enabled'),
      error,
      h(
        'div',
        { class: 'confirm-buttons' },
        cancel,
        h('button', { type: 'submit', class: 'btn btn-primary' }, 'Save…'),
      ),
    );
    cancel.addEventListener('click', () => this.dialog.close());
    form.addEventListener('input', () => {
      error.hidden = true;
    });
    form.addEventListener('submit', (event) => {
      event.preventDefault();
      const edited = editedRule(rule, {
        description: description.value,
        comparison: comparison.value,
        threshold: threshold.value,
        forSeconds: forSeconds.value,
        hysteresis: hysteresis.value,
        severity: severity.value,
        enabled: enabled.checked,
      });
      if (!edited.ok) {
        error.hidden = false;
        replaceChildren(error, edited.message);
        return;
      }
      void this.save(rule, edited.rule);
    });
    replaceChildren(this.dialog, form);
    this.dialog.showModal();
    threshold.focus();
  }

  private async save(before: AlertRule, after: AlertRule): Promise<void> {
    const changes = ruleChanges(before, after);
    if (changes.length === 0) {
      this.dialog.close();
      showResult(this.output, { tone: 'info', text: `Rule ${before.id}: nothing changed.` });
      return;
    }
    const yes = await confirmAction(
      `Change rule ${before.id}?`,
      `${changes.join('; ')}. The other rules stay as they are; the rule applies from the next tick.`,
      'Save rule',
    );
    if (!yes) return;
    this.dialog.close();
    try {
      const answer = await this.api.read(
        this.api.client.admin.alerts.rules[':id'].$put({ param: { id: pathParam(before.id) }, json: after }),
        `PUT /admin/alerts/rules/${before.id}`,
      );
      const saved = answer.rules.find((rule) => rule.id === before.id);
      showResult(this.output, {
        tone: 'pass',
        text: `Rule ${before.id} saved: ${saved ? describeRule(saved) : 'not in the answer'}; ${answer.rules.length} rules in force.`,
      });
      await this.onSaved();
    } catch (error) {
      showResult(this.output, describeFailure(error));
    }
  }
}
