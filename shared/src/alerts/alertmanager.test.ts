import { describe, expect, it } from 'vitest';
import type { AlertEvent, AlertState } from '../schema/alert.ts';
import { alertmanagerPayload, fingerprint } from './alertmanager.ts';

const T = Date.UTC(2025, 0, 2, 3, 4, 5);
const base = {
  ruleId: 'latency-p95-critical',
  severity: 'critical',
  threshold: 1000,
  description: 'p95 above 1 s',
  metric: 'events.latency.p95',
} as const;
const fired: AlertEvent = { ...base, from: 'pending', to: 'firing', value: 1200, at: T };
const resolved: AlertEvent = { ...base, from: 'firing', to: 'resolved', value: 800, at: T + 600_000 };
const options = { cluster: 'prod-eu', externalUrl: 'https://telltale.example.com/' };

describe('alertmanagerPayload', () => {
  it('builds an Alertmanager webhook v4 body for a firing alert', () => {
    const payload = alertmanagerPayload([fired], options)!;
    expect(payload).toMatchObject({
      version: '4',
      status: 'firing',
      receiver: 'telltale',
      groupKey: '{}:{cluster="prod-eu"}',
      groupLabels: { cluster: 'prod-eu' },
      commonLabels: { alertname: 'latency-p95-critical', cluster: 'prod-eu', severity: 'critical' },
      externalURL: 'https://telltale.example.com',
      truncatedAlerts: 0,
    });
    expect(payload.alerts).toEqual([
      {
        status: 'firing',
        labels: { alertname: 'latency-p95-critical', cluster: 'prod-eu', severity: 'critical' },
        annotations: { summary: 'events.latency.p95 is 1200 (threshold 1000)', description: 'p95 above 1 s' },
        startsAt: '2025-01-02T03:04:05.000Z',
        endsAt: '0001-01-01T00:00:00Z',
        generatorURL: 'https://telltale.example.com/admin/alerts',
        fingerprint: expect.stringMatching(/^[0-9a-f]{16}$/),
      },
    ]);
  });

  it('gives a resolution the original start time from the state and its own end time', () => {
    const state: Record<string, AlertState> = {
      [base.ruleId]: {
        ruleId: base.ruleId,
        phase: 'resolved',
        severity: 'critical',
        since: T + 600_000,
        value: 800,
        firedAt: T,
        resolvedAt: T + 600_000,
      },
    };
    const payload = alertmanagerPayload([resolved], { ...options, state })!;
    expect(payload.status).toBe('resolved');
    expect(payload.alerts[0]).toMatchObject({
      status: 'resolved',
      startsAt: '2025-01-02T03:04:05.000Z',
      endsAt: '2025-01-02T03:14:05.000Z',
    });
    expect(payload.alerts[0]!.fingerprint).toBe(
      alertmanagerPayload([fired], options)!.alerts[0]!.fingerprint,
    );
  });

  it('sends nothing for pending or quiet transitions', () => {
    const pending: AlertEvent = { ...fired, from: 'inactive', to: 'pending' };
    const quiet: AlertEvent = { ...fired, from: 'pending', to: 'inactive' };
    expect(alertmanagerPayload([pending, quiet], options)).toBeNull();
  });

  it('keeps only shared labels in commonLabels when alerts differ', () => {
    const other: AlertEvent = { ...fired, ruleId: 'node-lost', severity: 'warning' };
    const payload = alertmanagerPayload([fired, other], options)!;
    expect(payload.commonLabels).toEqual({ cluster: 'prod-eu' });
    expect(new Set(payload.alerts.map((a) => a.fingerprint)).size).toBe(2);
  });

  it('coalesces a retried batch to one alert per fingerprint, in its latest state', () => {
    // What a failed delivery leaves behind: fired, resolved, fired again, all in one retry.
    const refired: AlertEvent = { ...fired, at: T + 900_000 };
    const state: Record<string, AlertState> = {
      [base.ruleId]: {
        ruleId: base.ruleId,
        phase: 'firing',
        severity: 'critical',
        since: T + 900_000,
        value: 1200,
        firedAt: T + 900_000,
        resolvedAt: null,
      },
    };
    const payload = alertmanagerPayload([fired, resolved, refired], { ...options, state })!;
    expect(payload.status).toBe('firing');
    expect(payload.alerts).toHaveLength(1);
    expect(payload.alerts[0]).toMatchObject({
      status: 'firing',
      startsAt: '2025-01-02T03:19:05.000Z',
      endsAt: '0001-01-01T00:00:00Z',
    });
  });

  it('keeps startsAt at or before endsAt when the state already holds a newer firing', () => {
    const state: Record<string, AlertState> = {
      [base.ruleId]: {
        ruleId: base.ruleId,
        phase: 'firing',
        severity: 'critical',
        since: T + 900_000,
        value: 1200,
        firedAt: T + 900_000,
        resolvedAt: null,
      },
    };
    const fromBatch = alertmanagerPayload([fired, resolved], { ...options, state })!;
    expect(fromBatch.status).toBe('resolved');
    expect(fromBatch.alerts).toEqual([
      expect.objectContaining({
        status: 'resolved',
        startsAt: '2025-01-02T03:04:05.000Z',
        endsAt: '2025-01-02T03:14:05.000Z',
      }),
    ]);
    const alone = alertmanagerPayload([resolved], { ...options, state })!.alerts[0]!;
    expect(Date.parse(alone.startsAt)).toBeLessThanOrEqual(Date.parse(alone.endsAt));
  });

  it('leaves links out when the edge has no public URL', () => {
    const payload = alertmanagerPayload([fired], { ...options, externalUrl: '' })!;
    expect(payload.externalURL).toBe('');
    expect(payload.alerts[0]!.generatorURL).toBe('');
  });

  it('fingerprints labels as Alertmanager 0.25 does', () => {
    // Both read from a real Alertmanager's GET /api/v2/alerts after posting these labels.
    expect(fingerprint({ alertname: 'latency-p95-critical', cluster: 'prod-eu', severity: 'critical' })).toBe(
      '16b04248d7d62b31',
    );
    expect(fingerprint({ severity: 'warning', cluster: 'default', alertname: 'node-lost' })).toBe(
      '406a0516b6718be9',
    );
    expect(fingerprint({ a: '1', b: '2' })).not.toBe(fingerprint({ a: '12', b: '' }));
  });
});
