import { AlertRule } from '@telltale/shared';

/** What the rule form holds, as the operator typed it. */
export interface RuleForm {
  description: string;
  comparison: string;
  threshold: string;
  forSeconds: string;
  hysteresis: string;
  severity: string;
  enabled: boolean;
}

export type EditedRule = { ok: true; rule: AlertRule } | { ok: false; message: string };

/** A number field: an empty one is no number (not 0), so the schema refuses it. */
const numberOf = (text: string): number => (text.trim() === '' ? Number.NaN : Number(text));

/**
 * The rule with the form's values, checked with the schema the edge checks it with; the id and the
 * metrics stay as they are (the edge also checks that the metrics exist).
 */
export function editedRule(rule: AlertRule, form: RuleForm): EditedRule {
  const forSeconds = numberOf(form.forSeconds);
  const parsed = AlertRule.safeParse({
    ...rule,
    description: form.description.trim(),
    comparison: form.comparison,
    threshold: numberOf(form.threshold),
    forMs: Number.isFinite(forSeconds) ? Math.round(forSeconds * 1000) : forSeconds,
    hysteresis: numberOf(form.hysteresis),
    severity: form.severity,
    enabled: form.enabled,
  });
  if (parsed.success) return { ok: true, rule: parsed.data };
  const issue = parsed.error.issues[0];
  const field = issue?.path.join('.') || 'rule';
  return { ok: false, message: `${field === 'forMs' ? 'for' : field}: ${issue?.message ?? 'invalid'}` };
}

const FIELDS = [
  'description',
  'comparison',
  'threshold',
  'forMs',
  'hysteresis',
  'severity',
  'enabled',
] as const;
const shown = (field: (typeof FIELDS)[number], rule: AlertRule): string =>
  field === 'forMs' ? `${rule.forMs / 1000} s` : JSON.stringify(rule[field]);

/** Each field the edit changes, as `threshold 0 → 3`; empty when nothing changes. */
export function ruleChanges(before: AlertRule, after: AlertRule): string[] {
  return FIELDS.filter((field) => before[field] !== after[field]).map(
    (field) => `${field === 'forMs' ? 'for' : field} ${shown(field, before)} → ${shown(field, after)}`,
  );
}

/** A rule in one line: `nodes.lost > 3 for 0 s, warning, enabled`. */
export function describeRule(rule: AlertRule): string {
  return `${rule.metric} ${rule.comparison} ${rule.threshold} for ${rule.forMs / 1000} s, ${rule.severity}, ${rule.enabled ? 'enabled' : 'disabled'}`;
}
