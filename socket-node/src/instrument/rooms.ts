import { type NodeRooms, roomPrefix } from '@telltale/shared';
import type { Namespace } from 'socket.io';

/**
 * Reads the local rooms from each namespace's adapter at flush time (never on the hot path).
 * Every socket's private room (its id) is left out. A room name used in two namespaces (a thread
 * seen from /hub and /portal) is one room whose size is the sum, as the cluster merge does.
 */
export function collectRooms(namespaces: Iterable<Namespace>, cap: number): NodeRooms {
  const sizes = new Map<string, number>();
  for (const nsp of namespaces) {
    const { rooms, sids } = nsp.adapter;
    for (const [room, members] of rooms) {
      if (sids.has(room)) continue;
      sizes.set(room, (sizes.get(room) ?? 0) + members.size);
    }
  }
  const byPrefix: Record<string, number> = {};
  for (const name of sizes.keys()) {
    const prefix = roomPrefix(name);
    byPrefix[prefix] = (byPrefix[prefix] ?? 0) + 1;
  }
  const ranked = [...sizes].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  return { byPrefix, sizes: ranked.slice(0, cap), truncated: ranked.length > cap };
}
