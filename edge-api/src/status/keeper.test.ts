import type { AlertEvent } from '@telltale/shared';
import { describe, expect, it } from 'vitest';
import { quiet, tickAt } from '../../test/status/fixtures.ts';
import { StatusKeeper } from './keeper.ts';
import { DAY_MS, HOUR_MS } from './rollup.ts';
import { createMemoryStatusStorage, type StatusStorage } from './storage.ts';

const T0 = Date.UTC(2026, 11, 1, 10, 0, 0);

function keeper(
  storage: StatusStorage = createMemoryStatusStorage(),
  warnIncidentAfterMs: number | null = null,
) {
  let n = 0;
  return new StatusKeeper({
    intervalMs: 1000,
    expectedNodes: 2,
    warnIncidentAfterMs,
    storage,
    logger: quiet,
    newId: () => `inc-${++n}`,
  });
}

/** Ticks one second apart from `from`, in the states given, one per second. */
async function run(k: StatusKeeper, from: number, states: ('pass' | 'warn' | 'fail')[]) {
  for (const [i, s] of states.entries()) await k.observe(tickAt(from + i * 1000, s));
}

const seconds = (n: number, s: 'pass' | 'warn' | 'fail') => Array<typeof s>(n).fill(s);

describe('StatusKeeper uptime', () => {
  it('counts fail as down, warn as up, and leaves the first tick of a run unmeasured', async () => {
    const k = keeper();
    await k.load(T0);
    // Tick 0 opens the run (no span); then 39 s pass, 10 s fail, 10 s warn.
    await run(k, T0, [...seconds(40, 'pass'), ...seconds(10, 'fail'), ...seconds(10, 'warn')]);
    const report = k.report(T0 + 59_000);
    expect(report.uptime['24h']).toBeCloseTo(49 / 59, 10);
    expect(report.uptime['90d']).toBeCloseTo(49 / 59, 10);
    const today = report.days.at(-1)!;
    expect(today).toMatchObject({ failMs: 10_000, observedMs: 59_000 });
    expect(report.days).toHaveLength(90);
    expect(report.days[0]!.uptime).toBeNull();
  });

  it('excludes a maintenance window from uptime and holds notifications inside it', async () => {
    const k = keeper();
    await k.load(T0);
    const added = await k.addWindow(
      {
        startsAt: T0 + 50_000,
        durationMinutes: 1,
        recurrence: 'none',
        message: 'Redis upgrade',
        switchNodes: false,
      },
      'admin-token',
      T0,
    );
    expect('window' in added).toBe(true);
    expect(k.report(T0).maintenance.upcoming).toEqual([
      { windowId: expect.any(String), startsAt: T0 + 50_000, endsAt: T0 + 110_000, message: 'Redis upgrade' },
    ]);
    // 39 s pass measured, then 10 s fail inside the window, then the window's remaining 10 s pass.
    await run(k, T0, [...seconds(40, 'pass'), ...seconds(10, 'fail'), ...seconds(10, 'fail')]);
    expect(k.suppressesNotifications(T0 + 49_999)).toBeNull();
    expect(k.suppressesNotifications(T0 + 50_000)).toMatchObject({ message: 'Redis upgrade' });
    const report = k.report(T0 + 59_000);
    expect(report.status).toBe('maintenance');
    expect(report.summary).toBe('Scheduled maintenance until 2026-12-01 10:01 UTC: Redis upgrade');
    // Ticks 40..49 are fail before the window (10 s); 50..59 fall in the window.
    expect(report.uptime['24h']).toBeCloseTo(39 / 49, 10);
    expect(report.days.at(-1)).toMatchObject({ failMs: 10_000, maintenanceMs: 10_000 });
  });

  it('repeats a weekly window every 7 days', async () => {
    const k = keeper();
    await k.load(T0);
    await k.addWindow(
      {
        startsAt: T0,
        durationMinutes: 30,
        recurrence: 'weekly',
        message: 'weekly patching',
        switchNodes: false,
      },
      'a',
      T0,
    );
    expect(k.suppressesNotifications(T0 + 7 * DAY_MS + 29 * 60_000)).not.toBeNull();
    expect(k.suppressesNotifications(T0 + 7 * DAY_MS + 30 * 60_000)).toBeNull();
    expect(k.report(T0 + 31 * 60_000).maintenance.upcoming[0]!.startsAt).toBe(T0 + 7 * DAY_MS);
  });
});

describe('StatusKeeper incidents', () => {
  const fired: AlertEvent = {
    ruleId: 'nodes-live',
    from: 'pending',
    to: 'firing',
    severity: 'critical',
    value: 1,
    threshold: 2,
    at: T0 + 12_000,
    description: 'live nodes below 2',
    metric: 'nodes.live',
  };

  it('opens one on fail with a timeline of state changes and alerts, and closes it on recovery', async () => {
    const k = keeper();
    await k.load(T0);
    await run(k, T0, seconds(10, 'pass'));
    await k.observe(tickAt(T0 + 10_000, 'fail'));
    await k.observe(tickAt(T0 + 11_000, 'fail'));
    await k.observe(tickAt(T0 + 12_000, 'fail', [fired]));
    let report = k.report(T0 + 12_000);
    expect(report.activeIncidents).toHaveLength(1);
    expect(report.summary).toBe('Outage: only 1 of 2 expected socket nodes are live');
    await k.observe(tickAt(T0 + 13_000, 'warn'));
    await k.observe(tickAt(T0 + 14_000, 'pass'));
    report = k.report(T0 + 14_000);
    expect(report.activeIncidents).toEqual([]);
    const [incident] = report.recentIncidents;
    expect(incident).toMatchObject({
      id: 'inc-1',
      origin: 'auto',
      impact: 'fail',
      startedAt: T0 + 10_000,
      resolvedAt: T0 + 13_000,
    });
    expect(incident!.timeline.map((e) => [e.at - T0, e.kind, e.text])).toEqual([
      [10_000, 'opened', 'Cluster is fail: only 1 of 2 expected socket nodes are live'],
      [12_000, 'alert', 'Alert nodes-live fired (critical): live nodes below 2'],
      [13_000, 'state', 'Cluster is warn: 1 socket node is stale, lost or invalid'],
      [13_000, 'resolved', 'Recovered: the cluster is warn'],
    ]);
    // No node id reaches the public report.
    expect(JSON.stringify(report)).not.toContain('node-secret-id');
    expect(report.days.at(-1)!.incidents).toEqual(['Cluster outage']);
  });

  it('opens one for warn only past STATUS_WARN_INCIDENT_MS, and then closes it at pass only', async () => {
    const k = keeper(createMemoryStatusStorage(), 5000);
    await k.load(T0);
    await run(k, T0, seconds(5, 'warn'));
    expect(k.report(T0 + 4000).activeIncidents).toEqual([]);
    await k.observe(tickAt(T0 + 5000, 'warn'));
    expect(k.report(T0 + 5000).activeIncidents).toMatchObject([
      { title: 'Cluster degraded', startedAt: T0, impact: 'warn' },
    ]);
    await k.observe(tickAt(T0 + 6000, 'fail'));
    await k.observe(tickAt(T0 + 7000, 'warn'));
    expect(k.report(T0 + 7000).activeIncidents).toMatchObject([{ impact: 'fail' }]);
    await k.observe(tickAt(T0 + 8000, 'pass'));
    expect(k.report(T0 + 8000).activeIncidents).toEqual([]);
  });

  it('does not open one during a maintenance window', async () => {
    const k = keeper();
    await k.load(T0);
    await k.addWindow(
      { startsAt: T0, durationMinutes: 1, recurrence: 'none', message: 'm', switchNodes: false },
      'a',
      T0,
    );
    await run(k, T0, seconds(5, 'fail'));
    expect(k.incidents(10)).toEqual([]);
  });

  it('takes announcements and updates with their author, and a manual resolve waits for recovery', async () => {
    const k = keeper();
    await k.load(T0);
    const a = await k.announce(
      { title: 'Slow logins', message: 'Investigating', impact: 'warn' },
      'alice',
      T0,
    );
    expect(a).toMatchObject({
      origin: 'announcement',
      resolvedAt: null,
      timeline: [{ author: 'alice', text: 'Investigating' }],
    });
    const u = await k.update(a.id, { message: 'Fixed', resolve: true }, 'bob', T0 + 1000);
    expect(u!.timeline.map((e) => [e.kind, e.author])).toEqual([
      ['opened', 'alice'],
      ['update', 'bob'],
      ['resolved', 'bob'],
    ]);
    expect(await k.update('nope', { message: 'x', resolve: false }, 'bob', T0)).toBeNull();

    await run(k, T0 + 2000, seconds(2, 'fail'));
    const auto = k.report(T0 + 3000).activeIncidents.find((i) => i.origin === 'auto')!;
    await k.update(auto.id, { message: 'known, rebooting', resolve: true }, 'bob', T0 + 3500);
    await run(k, T0 + 4000, seconds(2, 'fail'));
    expect(k.report(T0 + 5000).activeIncidents).toEqual([]);
    await run(k, T0 + 6000, [...seconds(1, 'pass'), ...seconds(1, 'fail')]);
    expect(k.report(T0 + 7000).activeIncidents).toHaveLength(1);
  });
});

describe('StatusKeeper storage', () => {
  it('continues the open hour and day after a restart (same storage, new keeper)', async () => {
    const storage = createMemoryStatusStorage();
    const first = keeper(storage);
    await first.load(T0);
    await run(first, T0, [...seconds(61, 'pass'), ...seconds(60, 'fail')]);
    const second = keeper(storage);
    await second.load(T0 + 121_000);
    // What was written at the last minute boundary (T0 + 120 s): 60 s pass, 60 s fail.
    const report = second.report(T0 + 121_000);
    expect(report.uptime['24h']).toBe(0.5);
    expect(report.recentIncidents.length + report.activeIncidents.length).toBe(1);
  });

  it('stays within 2,160 hours and 90 days (and 640 KiB of rollup JSON) after 100 simulated days', async () => {
    const storage = createMemoryStatusStorage();
    const k = new StatusKeeper({
      intervalMs: 300_000,
      expectedNodes: 2,
      warnIncidentAfterMs: null,
      storage,
      logger: quiet,
    });
    await k.load(T0);
    const end = T0 + 100 * DAY_MS;
    for (let at = T0, i = 0; at < end; at += 300_000, i++) {
      const t = tickAt(at, i % 19 === 0 ? 'fail' : 'pass');
      await k.observe({
        ...t,
        connections: 1_000_000 + i,
        errorCount: i * 3,
        latencyP95: 123.456 + (i % 7),
        latencyP99: 999.9,
      });
    }
    const hours = await storage.rollupsSince('hour', 0);
    const days = await storage.rollupsSince('day', 0);
    expect(hours.length).toBeLessThanOrEqual(90 * 24);
    expect(hours.length).toBeGreaterThanOrEqual(90 * 24 - 1);
    expect(days.length).toBe(90);
    const bytes = [...hours, ...days].reduce((sum, r) => sum + JSON.stringify(r).length, 0);
    expect(bytes).toBeLessThan(640 * 1024);
    expect(hours[0]!.at).toBeGreaterThanOrEqual(end - 90 * DAY_MS - HOUR_MS);
    expect((await storage.incidents(1000)).length).toBeLessThanOrEqual(100);
  });
});

describe('StatusKeeper switching the nodes', () => {
  it('turns maintenance on at the start of a switchNodes window and off at its end, each weekly occurrence', async () => {
    const calls: [boolean, string, number][] = [];
    const k = new StatusKeeper({
      intervalMs: 1000,
      expectedNodes: 2,
      warnIncidentAfterMs: null,
      storage: createMemoryStatusStorage(),
      logger: quiet,
      onNodesMaintenance: (enabled, o) => calls.push([enabled, o.message, o.startsAt - T0]),
    });
    await k.load(T0);
    await k.addWindow(
      {
        startsAt: T0 + 2000,
        durationMinutes: 1,
        recurrence: 'weekly',
        message: 'patching',
        switchNodes: true,
      },
      'a',
      T0,
    );
    await k.addWindow(
      { startsAt: T0, durationMinutes: 5, recurrence: 'none', message: 'quiet', switchNodes: false },
      'a',
      T0,
    );
    await run(k, T0, seconds(5, 'pass'));
    expect(calls).toEqual([[true, 'patching', 2000]]);
    await k.observe(tickAt(T0 + 62_000, 'pass'));
    await k.observe(tickAt(T0 + 7 * DAY_MS + 2000, 'pass'));
    await k.observe(tickAt(T0 + 7 * DAY_MS + 3000, 'pass'));
    expect(calls).toEqual([
      [true, 'patching', 2000],
      [false, 'patching', 2000],
      [true, 'patching', 7 * DAY_MS + 2000],
    ]);
  });
});
