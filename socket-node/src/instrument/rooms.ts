import { foldCounts, LABEL_CAP, type NodeRooms, roomPrefix } from '@telltale/shared';
import type { Namespace } from 'socket.io';

/** Longest room name listed as it is; a longer one is cut and ends with `…`. */
export const MAX_ROOM_NAME_LENGTH = 200;

/** The room list stops at `roomCap` rooms or `roomCap` × this many bytes of JSON, whichever comes first. */
export const ROOM_LIST_BYTES_PER_ROOM = 64;

/**
 * Reads the local rooms from each namespace's adapter at flush time (never on the hot path).
 * Every socket's private room (its id) is left out. A room name used in two namespaces (a thread
 * seen from /hub and /portal) is one room whose size is the sum, as the cluster merge does.
 * Room names often come from clients, so the list is bounded in bytes as well as in rooms.
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
  const byPrefix: Record<string, number> = Object.create(null); // `__proto__:x` is a room name too
  for (const name of sizes.keys()) {
    const prefix = roomPrefix(name);
    byPrefix[prefix] = (byPrefix[prefix] ?? 0) + 1;
  }
  const ranked = [...sizes].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  const listed: [string, number][] = [];
  let budget = cap * ROOM_LIST_BYTES_PER_ROOM;
  for (const [name, size] of ranked) {
    if (listed.length === cap) break;
    const shown = listedName(name);
    // `["name",size],` as the snapshot's JSON spells it.
    budget -= Buffer.byteLength(JSON.stringify(shown)) + String(size).length + 4;
    if (budget < 0) break;
    listed.push([shown, size]);
  }
  return {
    byPrefix: foldCounts(byPrefix, LABEL_CAP),
    sizes: listed,
    truncated: listed.length < ranked.length,
  };
}

function listedName(name: string): string {
  if (name.length <= MAX_ROOM_NAME_LENGTH) return name;
  let end = MAX_ROOM_NAME_LENGTH - 1;
  // Never split a surrogate pair.
  if (/[\uD800-\uDBFF]/.test(name.charAt(end - 1))) end--;
  return `${name.slice(0, end)}…`;
}
