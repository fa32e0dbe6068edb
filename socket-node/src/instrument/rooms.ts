import {
  aggregateNamespace,
  foldCounts,
  LABEL_CAP,
  MAX_ROOM_NAME_LENGTH,
  type NodeRooms,
  type RoomShare,
  roomPrefix,
  SNAPSHOT_ROOM_NAME_LENGTH,
  SNAPSHOT_TOP_ROOMS,
} from '@telltale/shared';
import type { Namespace } from 'socket.io';

/** Every room of this node, keyed `<namespace>\n<name>`, and the constant-size summary the snapshot carries. */
export interface RoomCensus {
  rooms: Map<string, RoomShare>;
  summary: NodeRooms;
}

/**
 * Reads the local rooms from each namespace's adapter at flush time (never on the hot path).
 * Every socket's private room (its id) is left out. A room is its namespace and its name: the
 * same name in /hub and /portal is two rooms. Names past 200 characters are cut with `…` (room
 * names often come from clients); the whole list goes to the cluster aggregates as changes, and
 * only the 20 largest, names cut to 64, go into the snapshot.
 */
export function collectRooms(namespaces: Iterable<Namespace>): RoomCensus {
  const rooms = new Map<string, RoomShare>();
  for (const nsp of namespaces) {
    const { rooms: adapterRooms, sids } = nsp.adapter;
    const namespace = aggregateNamespace(nsp.name);
    for (const [room, members] of adapterRooms) {
      if (sids.has(room)) continue;
      const name = cutName(room, MAX_ROOM_NAME_LENGTH);
      const key = `${namespace}\n${name}`;
      const seen = rooms.get(key);
      if (seen) seen.size += members.size;
      else rooms.set(key, { namespace, name, size: members.size });
    }
  }
  return { rooms, summary: summarize(rooms.values()) };
}

/** The snapshot's rooms: counts by prefix, and the largest few, in one pass with a small sorted buffer. */
export function summarize(rooms: Iterable<RoomShare>): NodeRooms {
  const byPrefix: Record<string, number> = Object.create(null); // `__proto__:x` is a room name too
  const top: RoomShare[] = [];
  let total = 0;
  let members = 0;
  for (const room of rooms) {
    total += 1;
    members += room.size;
    const prefix = roomPrefix(room.name);
    byPrefix[prefix] = (byPrefix[prefix] ?? 0) + 1;
    if (top.length === SNAPSHOT_TOP_ROOMS && !larger(room, top[top.length - 1]!)) continue;
    let i = top.length;
    while (i > 0 && larger(room, top[i - 1]!)) i--;
    top.splice(i, 0, room);
    if (top.length > SNAPSHOT_TOP_ROOMS) top.pop();
  }
  return {
    total,
    members,
    byPrefix: foldCounts(byPrefix, LABEL_CAP),
    top: top.map((room) => [room.namespace, cutName(room.name, SNAPSHOT_ROOM_NAME_LENGTH), room.size]),
  };
}

/** Largest first, then by namespace and name. */
function larger(a: RoomShare, b: RoomShare): boolean {
  if (a.size !== b.size) return a.size > b.size;
  if (a.namespace !== b.namespace) return a.namespace < b.namespace;
  return a.name < b.name;
}

function cutName(name: string, max: number): string {
  if (name.length <= max) return name;
  let end = max - 1;
  // Never split a surrogate pair.
  if (/[\uD800-\uDBFF]/.test(name.charAt(end - 1))) end--;
  return `${name.slice(0, end)}…`;
}
