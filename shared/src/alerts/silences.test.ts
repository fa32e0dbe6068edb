import { describe, expect, it } from 'vitest';
import type { AlertEvent, AlertRule, AlertState } from '../schema/alert.ts';
import {
  addSilence,
  alertLabels,
  audibleEvents,
  decodeSilences,
  expireSilence,
  retained,
  SILENCE_LIMITS,
  type Silence,
  SilenceRequest,
  silencedBy,
  silenceStatus,
} from './silences.ts';

const T0 = 1_700_000_000_000;
const MINUTE = 60_000;

const request = (over: Partial<SilenceRequest> = {}) =>
  SilenceRequest.parse({ ruleId: 'p95', durationMs: 10 * MINUTE, comment: 'deploying', ...over });

const rule: AlertRule = {
  id: 'p95',
  description: 'p95 high',
  metric: 'events.latency.p95',
  comparison: '>',
  threshold: 500,
  forMs: 0,
  hysteresis: 0.1,
  severity: 'warning',
  enabled: true,
};

const firingEvent = (at: number): AlertEvent => ({
  ruleId: 'p95',
  from: 'inactive',
  to: 'firing',
  severity: 'warning',
  value: 900,
  threshold: 500,
  at,
  description: 'p95 high',
  metric: 'events.latency.p95',
});

const firingState = (firedAt: number): Record<string, AlertState> => ({
  p95: {
    ruleId: 'p95',
    phase: 'firing',
    severity: 'warning',
    since: firedAt,
    value: 900,
    firedAt,
    resolvedAt: null,
  },
});

describe('silences', () => {
  it('mutes the rule they name, from start to end, and say which silence does', () => {
    const { silence } = addSilence([], request({ startsAt: T0 + MINUTE }), 'alice', 's1', T0);
    expect(silence).toMatchObject({
      matchers: [{ name: 'alertname', value: 'p95', isEqual: true }],
      startsAt: T0 + MINUTE,
      endsAt: T0 + 11 * MINUTE,
      createdBy: 'alice',
    });
    const labels = alertLabels('p95', 'prod', 'warning');
    expect(silencedBy([silence], labels, T0)).toBeNull();
    expect(silenceStatus(silence, T0)).toBe('pending');
    expect(silencedBy([silence], labels, T0 + MINUTE)?.id).toBe('s1');
    expect(silencedBy([silence], alertLabels('other', 'prod', 'warning'), T0 + MINUTE)).toBeNull();
    expect(silencedBy([silence], labels, T0 + 11 * MINUTE)).toBeNull();
  });

  it('matches labels as Alertmanager does: = and !=, a missing label is the empty string', () => {
    const { silence } = addSilence(
      [],
      SilenceRequest.parse({
        matchers: [
          { name: 'severity', value: 'warning' },
          { name: 'node', value: '', isEqual: true },
          { name: 'alertname', value: 'redis-down', isEqual: false },
        ],
        durationMs: MINUTE,
        comment: 'noisy warnings',
      }),
      'bob',
      's2',
      T0,
    );
    expect(silencedBy([silence], alertLabels('p95', 'prod', 'warning'), T0)?.id).toBe('s2');
    expect(silencedBy([silence], alertLabels('p95', 'prod', 'critical'), T0)).toBeNull();
    expect(silencedBy([silence], alertLabels('redis-down', 'prod', 'warning'), T0)).toBeNull();
    expect(silencedBy([silence], { ...alertLabels('p95', 'prod', 'warning'), node: 'n1' }, T0)).toBeNull();
  });

  it('expire ends one now and records who; a second expiry and an unknown id are refused', () => {
    const { silences } = addSilence([], request(), 'alice', 's1', T0);
    const expired = expireSilence(silences, 's1', 'bob', T0 + MINUTE);
    expect(expired.silence).toMatchObject({ endsAt: T0 + MINUTE, expiredBy: 'bob' });
    expect(silenceStatus(expired.silence, T0 + MINUTE)).toBe('expired');
    expect(() => expireSilence(expired.silences, 's1', 'bob', T0 + MINUTE)).toThrow(
      "silence 's1' already ended",
    );
    expect(() => expireSilence(expired.silences, 'nope', 'bob', T0)).toThrow("no silence 'nope'");
  });

  it('refuses a request without a target, and past the bounds', () => {
    expect(SilenceRequest.safeParse({ durationMs: MINUTE, comment: 'x' }).success).toBe(false);
    expect(SilenceRequest.safeParse({ ruleId: 'a', durationMs: 1000, comment: 'x' }).success).toBe(false);
    expect(SilenceRequest.safeParse({ ruleId: 'a', durationMs: 31 * 86_400_000, comment: 'x' }).success).toBe(
      false,
    );
    expect(SilenceRequest.safeParse({ ruleId: 'a', durationMs: MINUTE, comment: ' ' }).success).toBe(false);
    expect(
      SilenceRequest.safeParse({ ruleId: 'a', durationMs: MINUTE, comment: 'x'.repeat(501) }).success,
    ).toBe(false);
    expect(
      SilenceRequest.safeParse({
        matchers: [{ name: 'bad-name', value: 'x' }],
        durationMs: MINUTE,
        comment: 'x',
      }).success,
    ).toBe(false);
    let silences: Silence[] = [];
    for (let i = 0; i < 100; i++) silences = addSilence(silences, request(), 'a', `s${i}`, T0).silences;
    expect(() => addSilence(silences, request(), 'a', 'one-more', T0)).toThrow(
      '100 silences are pending or active, the most there may be; expire one first',
    );
    expect(() => addSilence([], request({ startsAt: T0 + 31 * 86_400_000 }), 'a', 's', T0)).toThrow(
      'startsAt is more than 30 days ahead',
    );
  });

  it('keeps expired silences 7 days, and at most 200 in all, dropping the oldest-ended first', () => {
    const old: Silence = { ...addSilence([], request(), 'a', 'old', T0).silence, endsAt: T0 };
    expect(retained([old], T0 + 7 * 86_400_000 - 1)).toHaveLength(1);
    expect(retained([old], T0 + 7 * 86_400_000)).toHaveLength(0);
    const many: Silence[] = Array.from({ length: 201 }, (_, i) => ({ ...old, id: `e${i}`, endsAt: T0 + i }));
    const kept = retained(many, T0 + 1000);
    expect(kept).toHaveLength(SILENCE_LIMITS.kept);
    expect(kept.map((s) => s.id)).not.toContain('e0');
  });

  it('decodes stored silences, dropping what does not parse', () => {
    const { silence } = addSilence([], request(), 'alice', 's1', T0);
    expect(decodeSilences(JSON.stringify([silence, { id: 3 }]))).toEqual([silence]);
    expect(decodeSilences('not json')).toEqual([]);
    expect(decodeSilences(null)).toEqual([]);
  });
});

describe('audibleEvents', () => {
  it('holds a silenced firing back and sends it once the silence is gone, with its real start', () => {
    const announced = new Set<string>();
    let silenced = true;
    const isSilenced = () => silenced;
    expect(audibleEvents([firingEvent(T0)], firingState(T0), [rule], isSilenced, announced, T0)).toEqual([]);
    expect(audibleEvents([], firingState(T0), [rule], isSilenced, announced, T0 + MINUTE)).toEqual([]);
    silenced = false;
    expect(audibleEvents([], firingState(T0), [rule], isSilenced, announced, T0 + 2 * MINUTE)).toEqual([
      { ...firingEvent(T0), from: 'firing' },
    ]);
    expect(audibleEvents([], firingState(T0), [rule], isSilenced, announced, T0 + 3 * MINUTE)).toEqual([]);
  });

  it('sends the resolution of an announced firing even under a silence, and none for an unheard one', () => {
    const resolved: AlertEvent = { ...firingEvent(T0 + MINUTE), from: 'firing', to: 'resolved', value: 100 };
    const announced = new Set<string>(['p95']);
    expect(audibleEvents([resolved], {}, [rule], () => true, announced, T0 + MINUTE)).toEqual([resolved]);
    expect(announced.size).toBe(0);
    expect(audibleEvents([firingEvent(T0)], firingState(T0), [rule], () => true, announced, T0)).toEqual([]);
    expect(audibleEvents([resolved], {}, [rule], () => false, announced, T0 + MINUTE)).toEqual([]);
  });
});
