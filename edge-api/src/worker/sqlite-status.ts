import { Incident } from '../status/incidents.ts';
import { MaintenanceWindow } from '../status/maintenance.ts';
import { HealthRollup } from '../status/rollup.ts';
import type { StatusStorage } from '../status/storage.ts';
import { parseRows } from './sqlite-rows.ts';

const SCHEMA = [
  'CREATE TABLE IF NOT EXISTS status_hours (at INTEGER PRIMARY KEY, rollup TEXT NOT NULL)',
  'CREATE TABLE IF NOT EXISTS status_days (at INTEGER PRIMARY KEY, rollup TEXT NOT NULL)',
  'CREATE TABLE IF NOT EXISTS status_incidents (id TEXT PRIMARY KEY, started_at INTEGER NOT NULL, incident TEXT NOT NULL)',
  'CREATE TABLE IF NOT EXISTS status_windows (id TEXT PRIMARY KEY, window TEXT NOT NULL)',
];

const TABLE = { hour: 'status_hours', day: 'status_days' } as const;

/** The status history in the Durable Object's SQLite: a row per hour, day, incident and window. */
export function createSqliteStatusStorage(sql: SqlStorage): StatusStorage {
  for (const statement of SCHEMA) sql.exec(statement);

  return {
    async putRollup(span, rollup, keepSince) {
      const table = TABLE[span];
      sql.exec(
        `INSERT OR REPLACE INTO ${table} (at, rollup) VALUES (?, ?)`,
        rollup.at,
        JSON.stringify(rollup),
      );
      sql.exec(`DELETE FROM ${table} WHERE at < ?`, keepSince);
    },
    async rollupsSince(span, since) {
      return parseRows(
        HealthRollup,
        sql.exec<{ json: string }>(
          `SELECT rollup AS json FROM ${TABLE[span]} WHERE at >= ? ORDER BY at`,
          since,
        ),
      );
    },
    async putIncident(incident, keep) {
      sql.exec(
        'INSERT OR REPLACE INTO status_incidents (id, started_at, incident) VALUES (?, ?, ?)',
        incident.id,
        incident.startedAt,
        JSON.stringify(incident),
      );
      sql.exec(
        'DELETE FROM status_incidents WHERE id NOT IN (SELECT id FROM status_incidents ORDER BY started_at DESC LIMIT ?)',
        keep,
      );
    },
    async incidents(limit) {
      return parseRows(
        Incident,
        sql.exec<{ json: string }>(
          'SELECT incident AS json FROM status_incidents ORDER BY started_at DESC LIMIT ?',
          limit,
        ),
      );
    },
    async putWindow(window) {
      sql.exec(
        'INSERT OR REPLACE INTO status_windows (id, window) VALUES (?, ?)',
        window.id,
        JSON.stringify(window),
      );
    },
    async deleteWindow(id) {
      const had =
        sql.exec<{ n: number }>('SELECT COUNT(*) AS n FROM status_windows WHERE id = ?', id).one().n > 0;
      sql.exec('DELETE FROM status_windows WHERE id = ?', id);
      return had;
    },
    async windows() {
      return parseRows(
        MaintenanceWindow,
        sql.exec<{ json: string }>('SELECT window AS json FROM status_windows'),
      );
    },
  };
}
