import type { AlertEvent } from '@telltale/shared';
import type { MinuteRollup, TickPoint } from './history.ts';
import type { HistoryStorage } from './runtime.ts';

/** Node's history storage: arrays in time order, trimmed on every write. */
export function createMemoryHistoryStorage(): HistoryStorage {
  let ticks: TickPoint[] = [];
  let minutes: MinuteRollup[] = [];
  let alertEvents: AlertEvent[] = [];

  const trim = <T extends { at: number }>(items: T[], keepSince: number): T[] => {
    let drop = 0;
    while (drop < items.length && items[drop]!.at < keepSince) drop++;
    return drop === 0 ? items : items.slice(drop);
  };

  return {
    async appendTick(point, keepSince) {
      ticks.push(point);
      // Trimming is O(dropped); slicing only when something fell out keeps appends cheap.
      if (ticks[0]!.at < keepSince) ticks = trim(ticks, keepSince);
    },
    async putMinute(rollup, keepSince) {
      const last = minutes[minutes.length - 1];
      if (last && last.at === rollup.at) minutes[minutes.length - 1] = rollup;
      else minutes.push(rollup);
      if (minutes[0]!.at < keepSince) minutes = trim(minutes, keepSince);
    },
    async ticksSince(since) {
      return ticks.filter((t) => t.at >= since);
    },
    async minutesSince(since) {
      return minutes.filter((m) => m.at >= since);
    },
    async appendAlertEvents(events, keep) {
      alertEvents.push(...events);
      if (alertEvents.length > keep) alertEvents = alertEvents.slice(alertEvents.length - keep);
    },
    async recentAlertEvents(limit) {
      return alertEvents.slice(-limit).reverse();
    },
  };
}
