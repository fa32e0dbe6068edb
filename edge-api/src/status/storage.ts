import type { Incident } from './incidents.ts';
import type { MaintenanceWindow } from './maintenance.ts';
import type { HealthRollup, RollupSpan } from './rollup.ts';

/**
 * Where the status history lives: memory for the embedded default, Redis for a Node edge (so a
 * restart keeps it), the Durable Object's SQLite on Workers. Writes drop what falls out of
 * retention, so its size is bounded by the retention and the caps, not by uptime.
 */
export interface StatusStorage {
  /** Inserts or replaces the rollup starting at `rollup.at`; drops those before `keepSince`. */
  putRollup(span: RollupSpan, rollup: HealthRollup, keepSince: number): Promise<void>;
  /** Oldest first. */
  rollupsSince(span: RollupSpan, since: number): Promise<HealthRollup[]>;
  /** Inserts or replaces by id; keeps the `keep` incidents that started last. */
  putIncident(incident: Incident, keep: number): Promise<void>;
  /** Newest first. */
  incidents(limit: number): Promise<Incident[]>;
  putWindow(window: MaintenanceWindow): Promise<void>;
  /** False when there was no such window. */
  deleteWindow(id: string): Promise<boolean>;
  windows(): Promise<MaintenanceWindow[]>;
}

/** The embedded default: everything in this process, gone with it. */
export function createMemoryStatusStorage(): StatusStorage {
  // Insertion order is time order (buckets are written as time passes), so the oldest come first.
  const rollups: Record<RollupSpan, Map<number, HealthRollup>> = { hour: new Map(), day: new Map() };
  let incidents: Incident[] = [];
  const windows = new Map<string, MaintenanceWindow>();

  return {
    async putRollup(span, rollup, keepSince) {
      const map = rollups[span];
      map.set(rollup.at, structuredClone(rollup));
      for (const at of map.keys()) {
        if (at >= keepSince) break;
        map.delete(at);
      }
    },
    async rollupsSince(span, since) {
      return [...rollups[span].values()]
        .filter((r) => r.at >= since)
        .sort((a, b) => a.at - b.at)
        .map((r) => structuredClone(r));
    },
    async putIncident(incident, keep) {
      incidents = [structuredClone(incident), ...incidents.filter((i) => i.id !== incident.id)]
        .sort((a, b) => b.startedAt - a.startedAt)
        .slice(0, keep);
    },
    async incidents(limit) {
      return incidents.slice(0, limit).map((i) => structuredClone(i));
    },
    async putWindow(window) {
      windows.set(window.id, structuredClone(window));
    },
    async deleteWindow(id) {
      return windows.delete(id);
    },
    async windows() {
      return [...windows.values()].map((w) => structuredClone(w));
    },
  };
}
