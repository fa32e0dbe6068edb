import { describe, expect, it } from 'vitest';
import { sampleRecord, sampleSnapshot } from '../merge/fixtures.ts';
import { mergeSnapshots } from '../merge/merge-snapshots.ts';
import { AlertEvent, AlertRule, type AlertState } from '../schema/alert.ts';
import type { ClusterView } from '../schema/cluster.ts';
import { evaluateAlerts, isNotifiable } from './engine.ts';

const T = 1_700_000_000_000;
const rule = AlertRule.parse({
  id: 'stale-clients',
  description: 'too many stale clients',
  metric: 'presence.stale_clients',
  comparison: '>',
  threshold: 100,
  forMs: 30_000,
  hysteresis: 0.1,
  severity: 'warning',
});

function viewWith(staleClients: number, at: number): ClusterView {
  const snapshot = sampleSnapshot({ presence: { staleClients } });
  return mergeSnapshots([sampleRecord(snapshot, at)], at, { cluster: 'default', intervalMs: 5000 });
}

/** Feeds one value per 5 s tick and collects every event. */
function run(values: number[], rules = [rule]) {
  let state: Record<string, AlertState> = {};
  const events: AlertEvent[] = [];
  const phases: string[] = [];
  values.forEach((value, i) => {
    const at = T + i * 5000;
    const result = evaluateAlerts(rules, state, viewWith(value, at), at);
    state = result.state;
    events.push(...result.events);
    phases.push(state[rules[0]!.id]?.phase ?? 'none');
  });
  return { state, events, phases };
}

describe('evaluateAlerts', () => {
  it('goes pending at once and fires only after the condition held for forMs', () => {
    const { phases, events } = run([150, 150, 150, 150, 150, 150, 150, 150]);
    expect(phases).toEqual([
      'pending',
      'pending',
      'pending',
      'pending',
      'pending',
      'pending',
      'firing',
      'firing',
    ]);
    expect(events.map((e) => `${e.from}->${e.to}`)).toEqual(['inactive->pending', 'pending->firing']);
    const fired = events[1]!;
    expect(AlertEvent.parse(fired)).toEqual(fired);
    expect(fired).toMatchObject({ value: 150, threshold: 100, at: T + 30_000, severity: 'warning' });
  });

  it('returns quietly to inactive when the condition stops before forMs', () => {
    const { phases, events } = run([150, 150, 20, 20]);
    expect(phases).toEqual(['pending', 'pending', 'inactive', 'inactive']);
    expect(events.filter(isNotifiable)).toEqual([]);
  });

  it('fires immediately when forMs is 0', () => {
    const { phases } = run([150], [{ ...rule, forMs: 0 }]);
    expect(phases).toEqual(['firing']);
  });

  it('does not flap around the threshold: it resolves only at or below threshold × (1 − hysteresis)', () => {
    const values = [150, 150, 150, 150, 150, 150, 150, 99, 101, 95, 105, 91, 99, 91, 90, 95, 101];
    const { phases, events } = run(values);
    expect(phases.slice(6, 14)).toEqual(Array(8).fill('firing'));
    expect(phases[14]).toBe('resolved');
    expect(phases[15]).toBe('resolved');
    expect(phases[16]).toBe('pending');
    expect(events.filter(isNotifiable).map((e) => e.to)).toEqual(['firing', 'resolved']);
  });

  it('emits exactly one event per transition across many evaluations', () => {
    const values = [...Array(20).fill(500), ...Array(20).fill(0), ...Array(20).fill(500)];
    const { events } = run(values);
    expect(events.map((e) => `${e.from}->${e.to}`)).toEqual([
      'inactive->pending',
      'pending->firing',
      'firing->resolved',
      'resolved->pending',
      'pending->firing',
    ]);
  });

  it('keeps firedAt through resolution and records resolvedAt', () => {
    const { state } = run([...Array(7).fill(150), 0]);
    expect(state['stale-clients']).toMatchObject({
      phase: 'resolved',
      firedAt: T + 30_000,
      resolvedAt: T + 35_000,
      value: 0,
    });
  });

  it('works for a below-threshold rule with hysteresis above it', () => {
    const low = { ...rule, id: 'low', comparison: '<' as const, threshold: 10, forMs: 0 };
    const { phases } = run([5, 10, 10, 11], [low]);
    expect(phases).toEqual(['firing', 'firing', 'firing', 'resolved']);
  });

  it('resolves a rule disabled or removed while firing, and drops it', () => {
    const firing = run([150], [{ ...rule, forMs: 0 }]).state;
    const view = viewWith(150, T + 5000);
    const disabled = evaluateAlerts([{ ...rule, enabled: false }], firing, view, T + 5000);
    expect(disabled.state).toEqual({});
    expect(disabled.events).toMatchObject([{ ruleId: 'stale-clients', from: 'firing', to: 'resolved' }]);
    const removed = evaluateAlerts([], firing, view, T + 5000);
    expect(removed.events.map((e) => e.description)).toEqual(['rule removed while firing']);
  });

  it('treats a metric that does not exist as not breaching', () => {
    const bogus = { ...rule, metric: 'no.such.metric', forMs: 0 };
    const { phases, state } = run([150], [bogus]);
    expect(phases).toEqual(['inactive']);
    expect(state['stale-clients']!.value).toBeNull();
  });
});
