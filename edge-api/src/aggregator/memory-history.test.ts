import { describe, expect, it } from 'vitest';
import { createMemoryHistoryStorage } from './memory-history.ts';

describe('memory history storage', () => {
  it('drops ticks and minutes that fall out of retention, and replaces the open minute', async () => {
    const storage = createMemoryHistoryStorage();
    for (let at = 0; at < 10; at++) await storage.appendTick({ at, values: { x: at } }, at - 3);
    expect((await storage.ticksSince(0)).map((t) => t.at)).toEqual([6, 7, 8, 9]);

    const minute = (at: number, ticks: number) => ({
      at,
      ticks,
      series: {},
      latency: { a: 0.01, n: 0, sum: 0, min: null, max: null, z: 0, o: 0, b: [] },
    });
    await storage.putMinute(minute(60_000, 1), 0);
    await storage.putMinute(minute(60_000, 2), 0);
    await storage.putMinute(minute(120_000, 1), 100_000);
    expect((await storage.minutesSince(0)).map((m) => [m.at, m.ticks])).toEqual([[120_000, 1]]);
  });

  it('returns alert events newest first, bounded', async () => {
    const storage = createMemoryHistoryStorage();
    const event = (at: number) => ({
      ruleId: 'r',
      from: 'inactive' as const,
      to: 'firing' as const,
      severity: 'warning' as const,
      value: 1,
      threshold: 0,
      at,
      description: '',
      metric: 'm',
    });
    await storage.appendAlertEvents([event(1), event(2), event(3)], 2);
    expect((await storage.recentAlertEvents(10)).map((e) => e.at)).toEqual([3, 2]);
  });
});
