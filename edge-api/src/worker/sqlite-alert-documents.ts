import type { AlertDocuments } from '../aggregator/alert-documents.ts';

/** The Durable Object's alert documents: one row per name, replaced on each write. */
export function createSqliteAlertDocuments(sql: SqlStorage): AlertDocuments {
  sql.exec('CREATE TABLE IF NOT EXISTS alert_documents (name TEXT PRIMARY KEY, value TEXT NOT NULL)');
  return {
    async read(name) {
      const [row] = sql
        .exec<{ value: string }>('SELECT value FROM alert_documents WHERE name = ?', name)
        .toArray();
      return row?.value ?? null;
    },
    async write(name, value) {
      sql.exec('INSERT OR REPLACE INTO alert_documents (name, value) VALUES (?, ?)', name, value);
    },
  };
}
