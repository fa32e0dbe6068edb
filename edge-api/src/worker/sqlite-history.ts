import { AlertEvent } from '@telltale/shared';
import { MinuteRollup, TickPoint } from '../aggregator/history.ts';
import type { HistoryStorage } from '../aggregator/runtime.ts';
import { parseRows } from './sqlite-rows.ts';

const SCHEMA = [
  'CREATE TABLE IF NOT EXISTS ticks (at INTEGER PRIMARY KEY, point TEXT NOT NULL)',
  'CREATE TABLE IF NOT EXISTS minutes (at INTEGER PRIMARY KEY, rollup TEXT NOT NULL)',
  'CREATE TABLE IF NOT EXISTS alert_events (seq INTEGER PRIMARY KEY AUTOINCREMENT, event TEXT NOT NULL)',
];

/**
 * The Durable Object's history: one SQLite table per kind, keyed by time, trimmed on every
 * write so the object's storage stays bounded by retention, not by uptime.
 */
export function createSqliteHistoryStorage(sql: SqlStorage): HistoryStorage {
  for (const statement of SCHEMA) sql.exec(statement);

  return {
    async appendTick(point, keepSince) {
      // Two ticks in the same millisecond (a forced read racing the alarm) keep the later view.
      sql.exec('INSERT OR REPLACE INTO ticks (at, point) VALUES (?, ?)', point.at, JSON.stringify(point));
      sql.exec('DELETE FROM ticks WHERE at < ?', keepSince);
    },
    async putMinute(rollup, keepSince) {
      sql.exec(
        'INSERT OR REPLACE INTO minutes (at, rollup) VALUES (?, ?)',
        rollup.at,
        JSON.stringify(rollup),
      );
      sql.exec('DELETE FROM minutes WHERE at < ?', keepSince);
    },
    async ticksSince(since) {
      return parseRows(
        TickPoint,
        sql.exec<{ json: string }>('SELECT point AS json FROM ticks WHERE at >= ? ORDER BY at', since),
      );
    },
    async minutesSince(since) {
      return parseRows(
        MinuteRollup,
        sql.exec<{ json: string }>('SELECT rollup AS json FROM minutes WHERE at >= ? ORDER BY at', since),
      );
    },
    async appendAlertEvents(events, keep) {
      for (const event of events)
        sql.exec('INSERT INTO alert_events (event) VALUES (?)', JSON.stringify(event));
      sql.exec('DELETE FROM alert_events WHERE seq <= (SELECT MAX(seq) FROM alert_events) - ?', keep);
    },
    async recentAlertEvents(limit) {
      return parseRows(
        AlertEvent,
        sql.exec<{ json: string }>('SELECT event AS json FROM alert_events ORDER BY seq DESC LIMIT ?', limit),
      );
    },
  };
}
