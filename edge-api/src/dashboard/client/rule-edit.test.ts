import type { AlertRule } from '@telltale/shared';
import { describe, expect, it } from 'vitest';
import { describeRule, editedRule, type RuleForm, ruleChanges } from './rule-edit.ts';

const nodeLost: AlertRule = {
  id: 'node-lost',
  description: 'A node disappeared',
  metric: 'nodes.lost',
  comparison: '>',
  threshold: 0,
  forMs: 0,
  hysteresis: 0.1,
  severity: 'warning',
  enabled: true,
};
const form: RuleForm = {
  description: 'A node disappeared',
  comparison: '>',
  threshold: '0',
  forSeconds: '0',
  hysteresis: '0.1',
  severity: 'warning',
  enabled: true,
};

describe('editing one alert rule', () => {
  it('keeps the id and metric and takes the form values, for in seconds', () => {
    const edited = editedRule(nodeLost, {
      ...form,
      threshold: '3',
      forSeconds: '1.5',
      severity: 'critical',
      enabled: false,
    });
    expect(edited).toEqual({
      ok: true,
      rule: { ...nodeLost, threshold: 3, forMs: 1500, severity: 'critical', enabled: false },
    });
  });

  it('refuses an empty threshold, a negative for and an unknown severity, naming the field', () => {
    expect(editedRule(nodeLost, { ...form, threshold: ' ' })).toMatchObject({
      ok: false,
      message: expect.stringMatching(/^threshold: /),
    });
    expect(editedRule(nodeLost, { ...form, forSeconds: '-1' })).toMatchObject({
      ok: false,
      message: expect.stringMatching(/^for: /),
    });
    expect(editedRule(nodeLost, { ...form, forSeconds: '86401' })).toMatchObject({ ok: false });
    expect(editedRule(nodeLost, { ...form, severity: 'page' })).toMatchObject({
      ok: false,
      message: expect.stringMatching(/^severity: /),
    });
    expect(editedRule(nodeLost, { ...form, hysteresis: '2' })).toMatchObject({ ok: false });
  });

  it('lists what changes and nothing else', () => {
    const after = { ...nodeLost, threshold: 3, forMs: 30_000, enabled: false };
    expect(ruleChanges(nodeLost, after)).toEqual([
      'threshold 0 → 3',
      'for 0 s → 30 s',
      'enabled true → false',
    ]);
    expect(ruleChanges(nodeLost, { ...nodeLost })).toEqual([]);
  });

  it('says a rule in one line', () => {
    expect(describeRule({ ...nodeLost, threshold: 3 })).toBe('nodes.lost > 3 for 0 s, warning, enabled');
  });
});
