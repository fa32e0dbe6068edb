import { rm } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type AlertEvent, LatencySketch } from '@telltale/shared';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../../../test/support/redis.ts';
import type { MinuteRollup, TickPoint } from '../../src/aggregator/history.ts';
import { freshStateDir, startWranglerDev, type WranglerDev } from './wrangler-dev.ts';

/** The Durable Object's SQLite HistoryStorage, driven through a probe Worker in real workerd. */
const probeConfig = join(dirname(fileURLToPath(import.meta.url)), 'probe/wrangler.toml');
const stateDir = freshStateDir();
let probe: WranglerDev | null = null;

async function startProbe(): Promise<WranglerDev> {
  return startWranglerDev({
    config: probeConfig,
    port: await freePort(),
    readyPath: '/',
    readyTimeoutMs: 30_000,
    persistTo: stateDir,
  });
}

async function call(object: string, method: string, ...args: unknown[]): Promise<unknown> {
  const res = await fetch(`${probe?.url}/call?object=${object}`, {
    method: 'POST',
    body: JSON.stringify({ method, args }),
  });
  if (!res.ok) throw new Error(`${method} failed with ${res.status}: ${await res.text()}`);
  return res.json();
}

async function rows(object: string, table: string): Promise<number> {
  return (await (await fetch(`${probe?.url}/rows?object=${object}&table=${table}`)).json()) as number;
}

const tick = (at: number, connections: number): TickPoint => ({
  at,
  values: { 'connections.total': connections, 'events.latency.p95': null },
});

const minute = (at: number, ticks: number): MinuteRollup => ({
  at,
  ticks,
  series: { 'connections.total': { min: 1, max: 3, sum: 2 * ticks, count: ticks } },
  latency: new LatencySketch().toJSON(),
});

const alertEvent = (at: number): AlertEvent => ({
  ruleId: 'node-lost',
  from: 'inactive',
  to: 'firing',
  severity: 'critical',
  value: 1,
  threshold: 0,
  at,
  description: 'a node vanished',
  metric: 'nodes.lost',
});

describe('SQLite history storage in a Durable Object', { timeout: 60_000 }, () => {
  beforeAll(async () => {
    probe = await startProbe();
  }, 60_000);

  afterAll(async () => {
    await probe?.stop();
    await rm(stateDir, { recursive: true, force: true });
  });

  it('returns ticks in time order and drops those older than keepSince on write', async () => {
    for (const at of [3000, 1000, 2000]) await call('ticks', 'appendTick', tick(at, at / 1000), 0);
    expect(await call('ticks', 'ticksSince', 1500)).toEqual([tick(2000, 2), tick(3000, 3)]);

    await call('ticks', 'appendTick', tick(4000, 4), 2500);
    expect(await call('ticks', 'ticksSince', 0)).toEqual([tick(3000, 3), tick(4000, 4)]);
    expect(await rows('ticks', 'ticks')).toBe(2);
  });

  it('keeps the later view when two ticks share a millisecond', async () => {
    await call('same-ms', 'appendTick', tick(5000, 1), 0);
    await call('same-ms', 'appendTick', tick(5000, 9), 0);
    expect(await call('same-ms', 'ticksSince', 0)).toEqual([tick(5000, 9)]);
  });

  it('replaces the open minute in place and trims old minutes', async () => {
    await call('minutes', 'putMinute', minute(60_000, 1), 0);
    await call('minutes', 'putMinute', minute(60_000, 2), 0);
    expect(await call('minutes', 'minutesSince', 0)).toEqual([minute(60_000, 2)]);

    await call('minutes', 'putMinute', minute(120_000, 1), 120_000);
    expect(await call('minutes', 'minutesSince', 0)).toEqual([minute(120_000, 1)]);
    expect(await rows('minutes', 'minutes')).toBe(1);
  });

  it('keeps only the newest alert events, newest first', async () => {
    await call('alerts', 'appendAlertEvents', [alertEvent(1), alertEvent(2)], 3);
    await call('alerts', 'appendAlertEvents', [alertEvent(3), alertEvent(4), alertEvent(5)], 3);
    expect(await call('alerts', 'recentAlertEvents', 10)).toEqual([
      alertEvent(5),
      alertEvent(4),
      alertEvent(3),
    ]);
    expect(await call('alerts', 'recentAlertEvents', 2)).toEqual([alertEvent(5), alertEvent(4)]);
    expect(await rows('alerts', 'alert_events')).toBe(3);
  });

  it('still has its history after workerd restarts on the same state', async () => {
    await call('restart', 'appendTick', tick(7000, 7), 0);
    await probe?.stop();
    probe = await startProbe();
    expect(await call('restart', 'ticksSince', 0)).toEqual([tick(7000, 7)]);
  });
});
