import { isDeepStrictEqual } from 'node:util';
import { expect } from 'vitest';
import type { ClusterView } from '../../shared/src/index.ts';
import type { Cluster, ConnectionRow, TestClient } from './harness/index.ts';
import { waitFor } from './harness/index.ts';

/** What the connected clients know about themselves: the truth the edge must report. */
export interface ClientTruth {
  total: number;
  byNamespace: Record<string, number>;
  distinctUsers: number;
  socketIds: string[];
}

export function truthOf(clients: readonly TestClient[]): ClientTruth {
  const connected = clients.filter((c) => c.connected);
  const byNamespace: Record<string, number> = {};
  for (const client of connected)
    byNamespace[client.spec.namespace] = (byNamespace[client.spec.namespace] ?? 0) + 1;
  return {
    total: connected.length,
    byNamespace,
    distinctUsers: new Set(connected.filter((c) => c.spec.namespace !== '/admin').map((c) => c.spec.user))
      .size,
    socketIds: connected.map((c) => c.id ?? '').sort(),
  };
}

function countsOf(view: ClusterView) {
  const byNamespace = Object.fromEntries(
    Object.entries(view.connections.by_namespace).filter(([, n]) => n > 0),
  );
  return {
    total: view.connections.total,
    hub: view.connections.hub,
    portal: view.connections.portal,
    byNamespace,
    presence: view.presence.online + view.presence.away,
  };
}

/**
 * Waits until the edge's `/metrics` and `/admin/connections` equal the clients' truth, then asserts
 * it field by field (so a mismatch names the field). Presence counts distinct users; `presentUsers`
 * overrides it while users who left are still within their grace period. Returns the connection rows.
 */
export async function expectEdgeMatches(
  cluster: Cluster,
  clients: readonly TestClient[],
  options: { timeoutMs?: number; presentUsers?: number } = {},
): Promise<ConnectionRow[]> {
  const timeoutMs = options.timeoutMs ?? 15_000;
  const truth = truthOf(clients);
  const expected = {
    total: truth.total,
    hub: truth.byNamespace['/hub'] ?? 0,
    portal: truth.byNamespace['/portal'] ?? 0,
    byNamespace: truth.byNamespace,
    presence: options.presentUsers ?? truth.distinctUsers,
  };
  let rows: ConnectionRow[] = [];
  let seen: ReturnType<typeof countsOf> | null = null;
  try {
    await waitFor(
      async () => {
        seen = countsOf(await cluster.edge.metrics());
        rows = await cluster.edge.connections();
        const ids = rows.map((r) => r.id).sort();
        return isDeepStrictEqual(seen, expected) && isDeepStrictEqual(ids, truth.socketIds);
      },
      { timeoutMs, what: 'edge counts equal to the clients', intervalMs: 100 },
    );
  } catch {
    // Fall through to the precise assertions below.
  }
  expect(seen).toEqual(expected);
  expect(rows.map((r) => r.id).sort()).toEqual(truth.socketIds);
  return rows;
}
