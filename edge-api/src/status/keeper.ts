import type { AlertEvent, HealthReport, HealthStatus } from '@telltale/shared';
import {
  clip,
  type Incident,
  type IncidentInput,
  type IncidentUpdateInput,
  MAX_INCIDENTS,
  withEntry,
  worseImpact,
} from './incidents.ts';
import {
  activeOccurrence,
  isOver,
  MAX_WINDOWS,
  type MaintenanceWindow,
  type MaintenanceWindowInput,
  type Occurrence,
  upcomingOccurrences,
  windowFromInput,
} from './maintenance.ts';
import { type DayBar, type StatusComponent, type StatusReport, UPTIME_DEFINITION } from './report.ts';
import {
  bucketOf,
  DAY_MS,
  type HealthRollup,
  RETENTION_MS,
  RollupClock,
  type RollupSpan,
  type StatusState,
  UPTIME_WINDOWS,
  uptimeOf,
  windowStart,
} from './rollup.ts';
import type { StatusStorage } from './storage.ts';

/** What the keeper needs from one tick: the health and the numbers, not the view's per-node detail. */
export interface StatusTick {
  at: number;
  health: HealthReport;
  /** Live and expected nodes; null when the store could not be read. */
  nodes: { live: number; stale: number; lost: number; invalid: number } | null;
  connections: number | null;
  /** The cluster's `errors.count` (cumulative per node, summed). */
  errorCount: number | null;
  latencyP95: number | null;
  latencyP99: number | null;
  alertEvents: AlertEvent[];
}

export interface StatusKeeperOptions {
  intervalMs: number;
  expectedNodes: number;
  /** Open an incident when the cluster has been `warn` this long; null: only `fail` opens one. */
  warnIncidentAfterMs: number | null;
  storage: StatusStorage;
  logger: { warn(message: string): void };
  newId?: () => string;
  /** Called when a window with `switchNodes` starts (true) and ends (false); the aggregator sends the command. */
  onNodesMaintenance?: (enabled: boolean, occurrence: Occurrence) => void;
}

/** Maintenance starting within this horizon is announced on the page. */
export const ANNOUNCE_AHEAD_MS = 7 * DAY_MS;
const RECENT_RESOLVED_SHOWN = 10;
const DAYS_SHOWN = 90;

export type WindowResult = { window: MaintenanceWindow } | { error: 'full' };

/**
 * The long-range status of the cluster, kept by the aggregator: every tick's state goes into the
 * open hour and day (time in pass / warn / fail / maintenance), incidents open and close with the
 * health, maintenance windows decide what counts. Hours of the last 7 days and the 90 days are held
 * in memory, so a report costs no storage read; storage gets the open buckets once a minute.
 */
export class StatusKeeper {
  private readonly clock = new RollupClock();
  private readonly hours = new Map<number, HealthRollup>();
  private readonly days = new Map<number, HealthRollup>();
  private incidentList: Incident[] = [];
  private windowList: MaintenanceWindow[] = [];
  private lastTick: {
    at: number;
    status: HealthStatus;
    state: StatusState;
    errorCount: number | null;
  } | null = null;
  private lastPersistMinute = -1;
  private warnSince: number | null = null;
  /** An admin resolved the auto incident while the cluster still failed: wait for a recovery first. */
  private holdUntilRecovery = false;
  private latest: StatusTick | null = null;
  private cached: StatusReport | null = null;
  /** The `switchNodes` occurrence the nodes were last switched on for. */
  private switched: Occurrence | null = null;

  constructor(private readonly options: StatusKeeperOptions) {}

  async load(now: number): Promise<void> {
    const { storage } = this.options;
    const [hours, days, incidents, windows] = await Promise.all([
      storage.rollupsSince('hour', bucketOf(now, 'hour') - 7 * DAY_MS),
      storage.rollupsSince('day', bucketOf(now, 'day') - (DAYS_SHOWN - 1) * DAY_MS),
      storage.incidents(MAX_INCIDENTS),
      storage.windows(),
    ]);
    for (const h of hours) this.hours.set(h.at, h);
    for (const d of days) this.days.set(d.at, d);
    const openHour = this.hours.get(bucketOf(now, 'hour'));
    const openDay = this.days.get(bucketOf(now, 'day'));
    if (openHour) this.clock.resume('hour', openHour);
    if (openDay) this.clock.resume('day', openDay);
    this.incidentList = incidents;
    this.windowList = windows;
    this.cached = null;
  }

  /** Notifications are held while a maintenance window is in progress. */
  suppressesNotifications(now: number): Occurrence | null {
    return activeOccurrence(this.windowList, now);
  }

  async observe(tick: StatusTick): Promise<void> {
    const { at } = tick;
    const status = tick.health.status;
    const inWindow = activeOccurrence(this.windowList, at);
    this.switchNodes(at);
    const state: StatusState = inWindow ? 'maintenance' : status;
    const previous = this.lastTick;
    // A gap longer than two ticks (the edge stopped, a stalled tick) is time nobody observed.
    const spanMs = previous ? Math.min(Math.max(0, at - previous.at), 2 * this.options.intervalMs) : 0;
    const errors =
      tick.errorCount === null || previous?.errorCount == null
        ? 0
        : tick.errorCount >= previous.errorCount
          ? tick.errorCount - previous.errorCount
          : tick.errorCount;
    const { hour, day, closed } = this.clock.add({
      at,
      spanMs,
      state,
      connections: tick.connections,
      errors,
      latencyP95: tick.latencyP95,
      latencyP99: tick.latencyP99,
    });
    this.remember('hour', hour, at);
    this.remember('day', day, at);

    this.warnSince = status === 'warn' ? (previous?.status === 'warn' ? (this.warnSince ?? at) : at) : null;
    this.lastTick = { at, status, state, errorCount: tick.errorCount ?? previous?.errorCount ?? null };
    this.latest = tick;
    this.cached = null;

    const minute = Math.floor(at / 60_000);
    const persist = closed.length > 0 || previous?.state !== state || minute !== this.lastPersistMinute;
    try {
      await this.trackIncident(tick, previous?.status ?? null, inWindow !== null);
      if (persist) {
        const keepSince = at - RETENTION_MS;
        for (const c of closed) await this.options.storage.putRollup(c.span, c.rollup, keepSince);
        await this.options.storage.putRollup('hour', hour, keepSince);
        await this.options.storage.putRollup('day', day, keepSince);
        this.lastPersistMinute = minute;
      }
    } catch (err) {
      this.options.logger.warn(`status history write failed: ${(err as Error).message}`);
    }
  }

  private switchNodes(at: number): void {
    const now = activeOccurrence(
      this.windowList.filter((w) => w.switchNodes),
      at,
    );
    const was = this.switched;
    if (now?.windowId === was?.windowId && now?.startsAt === was?.startsAt) return;
    this.switched = now;
    if (now) this.options.onNodesMaintenance?.(true, now);
    else if (was) this.options.onNodesMaintenance?.(false, was);
  }

  private remember(span: RollupSpan, rollup: HealthRollup, now: number): void {
    const map = span === 'hour' ? this.hours : this.days;
    map.set(rollup.at, rollup);
    const keepSince =
      span === 'hour' ? bucketOf(now, 'hour') - 7 * DAY_MS : bucketOf(now, 'day') - (DAYS_SHOWN - 1) * DAY_MS;
    for (const at of map.keys()) if (at < keepSince) map.delete(at);
  }

  private openAuto(): Incident | undefined {
    return this.incidentList.find((i) => i.origin === 'auto' && i.resolvedAt === null);
  }

  private async trackIncident(
    tick: StatusTick,
    previous: HealthStatus | null,
    inWindow: boolean,
  ): Promise<void> {
    const { at, health } = tick;
    const status = health.status;
    const warnAfter = this.options.warnIncidentAfterMs;
    const recovered = status === 'pass' || (status === 'warn' && warnAfter === null);
    if (recovered) this.holdUntilRecovery = false;
    const open = this.openAuto();
    const reason = publicReason(health, this.options.expectedNodes);

    if (!open) {
      const trigger =
        status === 'fail' ||
        (status === 'warn' &&
          warnAfter !== null &&
          this.warnSince !== null &&
          at - this.warnSince >= warnAfter);
      if (!trigger || inWindow || this.holdUntilRecovery) return;
      const incident: Incident = {
        id: this.newId(at),
        title: status === 'fail' ? 'Cluster outage' : 'Cluster degraded',
        origin: 'auto',
        impact: status === 'fail' ? 'fail' : 'warn',
        startedAt: status === 'warn' ? (this.warnSince ?? at) : at,
        resolvedAt: null,
        timeline: [{ at, kind: 'opened', status, text: `Cluster is ${status}: ${reason}`, author: 'system' }],
      };
      await this.save(this.withAlerts(incident, tick.alertEvents));
      return;
    }

    let incident = this.withAlerts(open, tick.alertEvents);
    if (previous !== null && previous !== status) {
      incident = withEntry(incident, {
        at,
        kind: 'state',
        status,
        text: `Cluster is ${status}${status === 'pass' ? '' : `: ${reason}`}`,
        author: 'system',
      });
      if (status !== 'pass') incident = { ...incident, impact: worseImpact(incident.impact, status) };
    }
    if (recovered) {
      incident = withEntry(
        { ...incident, resolvedAt: at },
        { at, kind: 'resolved', status, text: `Recovered: the cluster is ${status}`, author: 'system' },
      );
    }
    if (incident !== open) await this.save(incident);
  }

  private withAlerts(incident: Incident, events: AlertEvent[]): Incident {
    let next = incident;
    for (const e of events) {
      if (e.to !== 'firing' && e.to !== 'resolved') continue;
      const text =
        e.to === 'firing'
          ? `Alert ${e.ruleId} fired (${e.severity}): ${e.description}`
          : `Alert ${e.ruleId} resolved`;
      next = withEntry(next, { at: e.at, kind: 'alert', text, author: 'system' });
    }
    return next;
  }

  private async save(incident: Incident): Promise<void> {
    this.incidentList = [incident, ...this.incidentList.filter((i) => i.id !== incident.id)]
      .sort((a, b) => b.startedAt - a.startedAt)
      .slice(0, MAX_INCIDENTS);
    this.cached = null;
    await this.options.storage.putIncident(incident, MAX_INCIDENTS);
  }

  private newId(at: number): string {
    return this.options.newId?.() ?? `inc-${at.toString(36)}-${crypto.randomUUID().slice(0, 8)}`;
  }

  incidents(limit: number): Incident[] {
    return this.incidentList.slice(0, limit);
  }

  async announce(input: IncidentInput, actor: string, now: number): Promise<Incident> {
    const incident: Incident = {
      id: this.newId(now),
      title: input.title,
      origin: 'announcement',
      impact: input.impact,
      startedAt: now,
      resolvedAt: null,
      timeline: [{ at: now, kind: 'opened', text: clip(input.message), author: clip(actor, 200) }],
    };
    await this.save(incident);
    return incident;
  }

  /** Null when there is no such incident. */
  async update(id: string, input: IncidentUpdateInput, actor: string, now: number): Promise<Incident | null> {
    const found = this.incidentList.find((i) => i.id === id);
    if (!found) return null;
    let incident = withEntry(found, {
      at: now,
      kind: 'update',
      text: input.message,
      author: clip(actor, 200),
    });
    if (input.title) incident = { ...incident, title: input.title };
    if (input.resolve && incident.resolvedAt === null) {
      incident = withEntry(
        { ...incident, resolvedAt: now },
        { at: now, kind: 'resolved', text: 'Resolved by an admin', author: clip(actor, 200) },
      );
      if (incident.origin === 'auto' && this.lastTick?.status !== 'pass') this.holdUntilRecovery = true;
    }
    await this.save(incident);
    return incident;
  }

  windows(): MaintenanceWindow[] {
    return [...this.windowList].sort((a, b) => a.startsAt - b.startsAt);
  }

  async addWindow(input: MaintenanceWindowInput, actor: string, now: number): Promise<WindowResult> {
    const over = this.windowList.filter((w) => isOver(w, now));
    for (const w of over) await this.options.storage.deleteWindow(w.id);
    this.windowList = this.windowList.filter((w) => !isOver(w, now));
    if (this.windowList.length >= MAX_WINDOWS) return { error: 'full' };
    const window = windowFromInput(
      input,
      `mw-${now.toString(36)}-${crypto.randomUUID().slice(0, 8)}`,
      actor,
      now,
    );
    await this.options.storage.putWindow(window);
    this.windowList.push(window);
    this.cached = null;
    return { window };
  }

  async removeWindow(id: string): Promise<boolean> {
    const had = this.windowList.some((w) => w.id === id);
    if (!had) return false;
    await this.options.storage.deleteWindow(id);
    this.windowList = this.windowList.filter((w) => w.id !== id);
    this.cached = null;
    return true;
  }

  /** The public report; built once per tick (or after a change), however many ask. */
  report(now: number): StatusReport {
    if (this.cached) return this.cached;
    const active = activeOccurrence(this.windowList, now);
    const tick = this.latest;
    const status: StatusReport['status'] = active ? 'maintenance' : (tick?.health.status ?? 'fail');
    const uptime = Object.fromEntries(
      UPTIME_WINDOWS.map((w) => {
        const from = windowStart(w, now);
        const source = w === '24h' || w === '7d' ? this.hours : this.days;
        return [w, uptimeOf([...source.values()].filter((r) => r.at >= from))];
      }),
    ) as StatusReport['uptime'];
    this.cached = {
      generatedAt: tick?.at ?? now,
      status,
      summary: summaryOf(status, tick, this.options.expectedNodes, active),
      components: tick ? componentsOf(tick, this.options, now) : [],
      uptime,
      days: this.dayBars(now),
      activeIncidents: this.incidentList.filter((i) => i.resolvedAt === null),
      recentIncidents: this.incidentList.filter((i) => i.resolvedAt !== null).slice(0, RECENT_RESOLVED_SHOWN),
      maintenance: {
        active,
        upcoming: upcomingOccurrences(this.windowList, now, ANNOUNCE_AHEAD_MS).filter(
          (o) => o.startsAt > now,
        ),
      },
      uptimeDefinition: UPTIME_DEFINITION,
    };
    return this.cached;
  }

  private dayBars(now: number): DayBar[] {
    const today = bucketOf(now, 'day');
    const bars: DayBar[] = [];
    for (let i = DAYS_SHOWN - 1; i >= 0; i--) {
      const at = today - i * DAY_MS;
      const day = this.days.get(at);
      const incidents = this.incidentList
        .filter((inc) => inc.startedAt < at + DAY_MS && (inc.resolvedAt ?? now) >= at)
        .map((inc) => inc.title);
      bars.push({
        at,
        uptime: day ? uptimeOf([day]) : null,
        failMs: day?.ms.fail ?? 0,
        maintenanceMs: day?.ms.maintenance ?? 0,
        observedMs: day ? day.ms.pass + day.ms.warn + day.ms.fail + day.ms.maintenance : 0,
        incidents,
      });
    }
    return bars;
  }
}

/** Why the cluster is not `pass`, in words with no node, socket, user or room in them. */
export function publicReason(health: HealthReport, expectedNodes: number): string {
  const parts: string[] = [];
  const checks = health.checks;
  const store = checks['store:reachable']?.[0];
  if (store?.status === 'fail') parts.push('the store is unreachable');
  const live = checks['nodes:live']?.[0];
  if (live && live.status !== 'pass') {
    const n = typeof live.observedValue === 'number' ? live.observedValue : 0;
    parts.push(
      n === 0 ? 'no socket node is live' : `only ${n} of ${expectedNodes} expected socket nodes are live`,
    );
  }
  const unwell = (checks['nodes:state'] ?? []).filter((c) => c.status !== 'pass').length;
  if (unwell > 0) parts.push(`${unwell} socket node${unwell === 1 ? ' is' : 's are'} stale, lost or invalid`);
  const redisDown = (checks['redis:connected'] ?? []).filter((c) => c.status !== 'pass').length;
  if (redisDown > 0)
    parts.push(`${redisDown} socket node${redisDown === 1 ? ' reports' : 's report'} Redis down`);
  const alerts = (checks['alerts:firing'] ?? []).filter((c) => c.status !== 'pass');
  for (const a of alerts) parts.push(`alert ${a.componentId ?? 'unnamed'} firing`);
  return parts.length > 0 ? parts.join('; ') : 'no reason recorded';
}

function summaryOf(
  status: StatusReport['status'],
  tick: StatusTick | null,
  expected: number,
  active: Occurrence | null,
): string {
  if (active)
    return `Scheduled maintenance until ${new Date(active.endsAt).toISOString().slice(0, 16).replace('T', ' ')} UTC: ${active.message}`;
  if (!tick) return 'No measurement yet';
  if (status === 'pass') return 'All systems operational';
  const reason = publicReason(tick.health, expected);
  return status === 'fail' ? `Outage: ${reason}` : `Degraded: ${reason}`;
}

function worst(statuses: (HealthStatus | undefined)[]): HealthStatus {
  if (statuses.includes('fail')) return 'fail';
  return statuses.includes('warn') ? 'warn' : 'pass';
}

function componentsOf(
  tick: StatusTick,
  options: Pick<StatusKeeperOptions, 'expectedNodes' | 'intervalMs'>,
  now: number,
): StatusComponent[] {
  const { checks } = tick.health;
  const nodes = tick.nodes;
  const nodeStatus = nodes
    ? worst([checks['nodes:live']?.[0]?.status, ...(checks['nodes:state'] ?? []).map((c) => c.status)])
    : 'fail';
  const nodeDetail = nodes
    ? [
        `${nodes.live} of ${options.expectedNodes} expected live`,
        nodes.stale > 0 ? `${nodes.stale} stale` : '',
        nodes.lost > 0 ? `${nodes.lost} lost` : '',
        nodes.invalid > 0 ? `${nodes.invalid} invalid` : '',
      ]
        .filter(Boolean)
        .join(', ')
    : 'unknown: the store could not be read';
  const storeFail = checks['store:reachable']?.[0]?.status === 'fail';
  const redisDown = (checks['redis:connected'] ?? []).filter((c) => c.status !== 'pass').length;
  const storeStatus: HealthStatus = storeFail ? 'fail' : redisDown > 0 ? 'warn' : 'pass';
  const storeDetail = storeFail
    ? 'unreachable from the edge'
    : redisDown > 0
      ? `${redisDown} node(s) report it down`
      : 'reachable';
  const behindMs = now - tick.at;
  const edgeStatus: HealthStatus = behindMs > 3 * options.intervalMs ? 'warn' : 'pass';
  const edgeDetail =
    edgeStatus === 'pass'
      ? `measuring every ${formatSeconds(options.intervalMs)}`
      : `last measurement ${formatSeconds(behindMs)} ago`;
  return [
    { name: 'Socket nodes', status: nodeStatus, detail: nodeDetail },
    { name: 'Store (Redis)', status: storeStatus, detail: storeDetail },
    { name: 'Edge', status: edgeStatus, detail: edgeDetail },
  ];
}

function formatSeconds(ms: number): string {
  return ms < 1000 ? `${ms} ms` : `${Math.round(ms / 100) / 10} s`;
}
