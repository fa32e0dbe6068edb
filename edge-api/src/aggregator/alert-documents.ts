import type { AlertDocument, EdgeStore } from '@telltale/shared';

/**
 * Where the alert keeper keeps its silences and the SLO's availability series: the store's alerts
 * hash on Node (Redis, so a restarted edge keeps them), the Durable Object's SQLite on Workers.
 */
export interface AlertDocuments {
  read(name: AlertDocument): Promise<string | null>;
  write(name: AlertDocument, value: string): Promise<void>;
}

export function storeAlertDocuments(store: EdgeStore): AlertDocuments {
  return {
    read: (name) => store.readAlertDocument(name),
    write: (name, value) => store.writeAlertDocument(name, value),
  };
}
