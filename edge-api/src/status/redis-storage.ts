import type { Cluster, Redis } from 'ioredis';
import type { z } from 'zod';
import { Incident } from './incidents.ts';
import { MaintenanceWindow } from './maintenance.ts';
import { HealthRollup, type RollupSpan } from './rollup.ts';
import type { StatusStorage } from './storage.ts';

/** Status keys, under the cluster's hash tag like every other Telltale key. */
export function statusKeys(cluster: string) {
  const prefix = `telltale:{${cluster}}:status`;
  return {
    /** Sorted set: score = bucket start, member = the rollup's JSON. */
    rollups: (span: RollupSpan) => `${prefix}:${span}`,
    /** Hash: incident id → JSON. */
    incidents: `${prefix}:incidents`,
    /** Hash: window id → JSON. */
    windows: `${prefix}:windows`,
  };
}

function parseAll<S extends z.ZodType>(schema: S, values: Iterable<string>): z.infer<S>[] {
  const parsed: z.infer<S>[] = [];
  for (const value of values) {
    try {
      const result = schema.safeParse(JSON.parse(value));
      if (result.success) parsed.push(result.data);
    } catch {
      // Not ours or from an older layout: skipped, never a failed tick.
    }
  }
  return parsed;
}

/**
 * A Node edge's status history in Redis: one MULTI per rollup write, so a restart keeps it all. On
 * a Redis Cluster every key shares the cluster's slot, so the MULTI stays on one master.
 */
export function createRedisStatusStorage(redis: Redis | Cluster, cluster: string): StatusStorage {
  const keys = statusKeys(cluster);
  return {
    async putRollup(span, rollup, keepSince) {
      const key = keys.rollups(span);
      await redis
        .multi()
        .zremrangebyscore(key, rollup.at, rollup.at)
        .zadd(key, rollup.at, JSON.stringify(rollup))
        .zremrangebyscore(key, '-inf', `(${keepSince}`)
        .exec();
    },
    async rollupsSince(span, since) {
      return parseAll(HealthRollup, await redis.zrangebyscore(keys.rollups(span), since, '+inf'));
    },
    async putIncident(incident, keep) {
      await redis.hset(keys.incidents, incident.id, JSON.stringify(incident));
      if ((await redis.hlen(keys.incidents)) <= keep) return;
      const all = parseAll(Incident, Object.values(await redis.hgetall(keys.incidents)));
      const dropped = all.sort((a, b) => b.startedAt - a.startedAt).slice(keep);
      if (dropped.length > 0) await redis.hdel(keys.incidents, ...dropped.map((i) => i.id));
    },
    async incidents(limit) {
      const all = parseAll(Incident, Object.values(await redis.hgetall(keys.incidents)));
      return all.sort((a, b) => b.startedAt - a.startedAt).slice(0, limit);
    },
    async putWindow(window) {
      await redis.hset(keys.windows, window.id, JSON.stringify(window));
    },
    async deleteWindow(id) {
      return (await redis.hdel(keys.windows, id)) > 0;
    },
    async windows() {
      return parseAll(MaintenanceWindow, Object.values(await redis.hgetall(keys.windows)));
    },
  };
}
