import { isLabel, OVERFLOW_LABEL } from '../merge/labels.ts';
import { roomPrefix } from '../merge/rooms.ts';
import {
  AGGREGATE_LABELS,
  type AggregateChanges,
  type ClusterAggregates,
  type ClusterRoom,
  MAX_ROOM_NAME_LENGTH,
} from '../schema/aggregates.ts';
import { InvalidCursorError } from './cursor.ts';
import type { RoomListPage, RoomListQuery } from './port.ts';

/**
 * The cluster-wide aggregates, one structure per question so every read is O(1) or O(page):
 *
 * - each node's contribution: a hash of its rooms (`<namespace>\n<name>` → local size and prefix)
 *   and one of its users (id → online / away). A flush sends absolute values for what changed, so
 *   the store derives the cluster delta from the contribution and a repeated flush changes nothing;
 * - rooms: sorted sets by −size (largest first, paged by offset) and by name (prefix ranges), for the
 *   cluster and per namespace; a room's size is the sum of its nodes' sizes and it exists while that
 *   is positive, so the size doubles as the room's reference count;
 * - users: per user, how many nodes report them online and away; `totals` holds distinct online and
 *   away users and summed room sizes, changed only when a user's cluster status or a room changes;
 * - prefixes and namespaces: sorted sets of distinct rooms, read as their 50 largest.
 *
 * A node whose snapshot expired, that left, or that was pruned has its contribution subtracted and
 * deleted in the same script (`dropNode`), so it is removed exactly once whoever gets there first.
 * The memory store keeps the same structures in Maps (`AggregateBook`); both pass one contract.
 */

const NL = '\n';

/** The namespace as the aggregates key it: a label (≤ 64 printable characters), else `other`. */
export function aggregateNamespace(namespace: string): string {
  return isLabel(namespace) ? namespace : OVERFLOW_LABEL;
}

/** `<namespace>\n<name>`, both bounded: names past 200 characters are cut (the node already cut them). */
export function roomMember(namespace: string, name: string): string {
  return `${aggregateNamespace(namespace)}${NL}${name.slice(0, MAX_ROOM_NAME_LENGTH + 1)}`;
}

export function parseRoomMember(member: string, size: number): ClusterRoom {
  const cut = member.indexOf(NL);
  return { namespace: member.slice(0, cut), name: member.slice(cut + 1), size };
}

/**
 * The aggregate arguments of one flush: its mode, then the rooms (`[member, prefix, size]`) and the
 * users (`[id, 'o' | 'a' | '']`) as one JSON array each, so a whole flush of 50,000 users stays a
 * handful of arguments (spreading 300,000 of them overflows the call stack). A room or user listed
 * twice is sent once, as last listed: the script reads every old value before it writes any.
 */
export function aggregateArgs(
  changes: AggregateChanges | undefined,
): [mode: string, rooms: string, users: string] {
  if (!changes) return ['none', '[]', '[]'];
  const rooms = new Map<string, [string, string, number]>();
  for (const room of changes.rooms) {
    const member = roomMember(room.namespace, room.name);
    rooms.set(member, [member, roomPrefix(room.name), room.size]);
  }
  const users = new Map<string, [string, string]>();
  for (const [user, status] of changes.users) {
    users.set(user, [user, status === 'online' ? 'o' : status === 'away' ? 'a' : '']);
  }
  return [
    changes.whole ? 'whole' : 'delta',
    JSON.stringify([...rooms.values()]),
    JSON.stringify([...users.values()]),
  ];
}

/**
 * Rooms and users one flush script takes at most: about 50 ms of Redis for a rebuild from nothing
 * (≈ 24 µs an entry on this machine's Redis), so a node rewriting 50,000 users whole after Redis
 * restarted never blocks it for seconds.
 */
export const AGGREGATE_CHUNK_ENTRIES = 2000;

/**
 * A flush's changes as the scripts take them, each at most `size` rooms and users: the first keeps
 * the flush's mode (a whole one drops what is left of the contribution), the rest are deltas onto
 * it, applied in order, so a room or user listed in two chunks ends as last listed.
 */
export function chunkChanges(changes: AggregateChanges, size = AGGREGATE_CHUNK_ENTRIES): AggregateChanges[] {
  const { rooms, users } = changes;
  if (rooms.length + users.length <= size) return [changes];
  // One run of entries, rooms then users, cut every `size`.
  const chunks: AggregateChanges[] = [];
  for (let from = 0; from < rooms.length + users.length; from += size) {
    const to = from + size;
    chunks.push({
      whole: from === 0 && changes.whole,
      rooms: rooms.slice(from, to),
      users: users.slice(Math.max(0, from - rooms.length), Math.max(0, to - rooms.length)),
    });
  }
  return chunks;
}

/** Folds the largest prefixes read into a label map whose values still sum to the room total. */
export function prefixCounts(top: [string, number][], total: number): Record<string, number> {
  const counts: Record<string, number> = {};
  let listed = 0;
  for (const [prefix, rooms] of top.slice(0, AGGREGATE_LABELS)) {
    counts[prefix] = rooms;
    listed += rooms;
  }
  if (total > listed) counts[OVERFLOW_LABEL] = (counts[OVERFLOW_LABEL] ?? 0) + total - listed;
  return counts;
}

/** Room cursors: an offset in size order, or the last member listed in name order; opaque to callers. */
export function encodeRoomCursor(value: string): string {
  return btoa(encodeURIComponent(value)).replaceAll('+', '-').replaceAll('/', '_').replaceAll('=', '');
}

export function decodeRoomCursor(cursor: string | undefined, query: RoomListQuery): string {
  if (cursor === undefined || cursor === '') return '';
  let value: string;
  try {
    value = decodeURIComponent(atob(cursor.replaceAll('-', '+').replaceAll('_', '/')));
  } catch {
    value = '\u0000';
  }
  const valid = query.prefix ? value.startsWith(query.prefix) : /^\d{1,9}$/.test(value);
  if (!valid) {
    throw new InvalidCursorError(
      `room cursor '${cursor.slice(0, 40)}' is not one this API issued for this filter: pass back the nextCursor of a previous page`,
    );
  }
  return value;
}

interface Contribution {
  rooms: Map<string, { size: number; prefix: string }>;
  users: Map<string, 'online' | 'away'>;
}

const byMember = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/** The memory store's aggregates: the same structures and semantics as the Lua in aggregate-scripts.ts. */
export class AggregateBook {
  private readonly contributions = new Map<string, Contribution>();
  private readonly sizes = new Map<string, number>();
  private readonly prefixes = new Map<string, number>();
  private readonly namespaces = new Map<string, { rooms: number; members: number }>();
  private readonly online = new Map<string, number>();
  private readonly away = new Map<string, number>();
  private readonly totals = { online: 0, away: 0, members: 0 };
  private sorted: string[] | null = null;

  /** Applies one flush; `intact` is whether the node's snapshot still existed (see FLUSH_NODE). */
  flush(nodeId: string, changes: AggregateChanges | undefined, intact: boolean): void {
    if (!changes) return;
    if (changes.whole || !intact) this.drop(nodeId);
    if (!changes.whole && !intact) return;
    let mine = this.contributions.get(nodeId);
    if (!mine) {
      mine = { rooms: new Map(), users: new Map() };
      this.contributions.set(nodeId, mine);
    }
    for (const room of changes.rooms) {
      const member = roomMember(room.namespace, room.name);
      const prefix = roomPrefix(room.name);
      const old = mine.rooms.get(member)?.size ?? 0;
      if (room.size > 0) mine.rooms.set(member, { size: room.size, prefix });
      else mine.rooms.delete(member);
      this.applyRoom(member, prefix, room.size - old);
    }
    for (const [user, status] of changes.users) {
      const old = mine.users.get(user) ?? null;
      if (status) mine.users.set(user, status);
      else mine.users.delete(user);
      this.applyUser(user, old, status);
    }
  }

  /** Takes a node's contribution out, once. */
  drop(nodeId: string): void {
    const mine = this.contributions.get(nodeId);
    if (!mine) return;
    this.contributions.delete(nodeId);
    for (const [member, { size, prefix }] of mine.rooms) this.applyRoom(member, prefix, -size);
    for (const [user, status] of mine.users) this.applyUser(user, status, null);
  }

  read(topRooms: number): ClusterAggregates {
    const byNamespace: ClusterAggregates['rooms']['byNamespace'] = {};
    const namespaces = [...this.namespaces].sort((a, b) => b[1].rooms - a[1].rooms || byMember(b[0], a[0]));
    for (const [ns, counts] of namespaces.slice(0, AGGREGATE_LABELS)) byNamespace[ns] = { ...counts };
    const prefixes = [...this.prefixes].sort((a, b) => b[1] - a[1] || byMember(b[0], a[0]));
    return {
      users: { online: this.totals.online, away: this.totals.away },
      rooms: {
        total: this.sizes.size,
        members: this.totals.members,
        byPrefix: prefixCounts(prefixes, this.sizes.size),
        byNamespace,
        top: this.bySize()
          .slice(0, topRooms)
          .map((member) => parseRoomMember(member, this.sizes.get(member) ?? 0)),
      },
    };
  }

  list(query: RoomListQuery): RoomListPage {
    const after = decodeRoomCursor(query.cursor, query);
    const ns = query.namespace === undefined ? null : aggregateNamespace(query.namespace);
    const inNamespace = (member: string) => ns === null || member.startsWith(`${ns}${NL}`);
    if (!query.prefix) {
      const rows = this.bySize().filter(inNamespace);
      const offset = Number(after || '0');
      const page = rows.slice(offset, offset + query.limit);
      const next = offset + page.length;
      return {
        items: page.map((member) => parseRoomMember(member, this.sizes.get(member) ?? 0)),
        total: rows.length,
        nextCursor: next < rows.length ? encodeRoomCursor(String(next)) : null,
      };
    }
    const prefix = query.prefix;
    // Name order, as the name index sorts: `<name>\n<namespace>` across namespaces, the name within one.
    const keyed = [...this.sizes.keys()]
      .filter(inNamespace)
      .map((member) => {
        const room = parseRoomMember(member, 0);
        return { member, key: ns === null ? `${room.name}${NL}${room.namespace}` : room.name };
      })
      .filter((row) => row.key.startsWith(prefix))
      .sort((a, b) => byMember(a.key, b.key));
    const start = after ? keyed.findIndex((row) => row.key > after) : 0;
    const from = start === -1 ? keyed.length : start;
    const page = keyed.slice(from, from + query.limit);
    const more = from + page.length < keyed.length;
    return {
      items: page.map((row) => parseRoomMember(row.member, this.sizes.get(row.member) ?? 0)),
      total: keyed.length,
      nextCursor: more ? encodeRoomCursor(page[page.length - 1]!.key) : null,
    };
  }

  /** Largest first, then member order: what ZRANGE over −size gives. */
  private bySize(): string[] {
    this.sorted ??= [...this.sizes.keys()].sort(
      (a, b) => (this.sizes.get(b) ?? 0) - (this.sizes.get(a) ?? 0) || byMember(a, b),
    );
    return this.sorted;
  }

  private applyRoom(member: string, prefix: string, delta: number): void {
    if (delta === 0) return;
    this.sorted = null;
    const ns = member.slice(0, member.indexOf(NL));
    const before = this.sizes.get(member) ?? 0;
    const after = before + delta;
    this.totals.members += delta;
    const counts = this.namespaces.get(ns) ?? { rooms: 0, members: 0 };
    counts.members += delta;
    if (after > 0) {
      this.sizes.set(member, after);
      if (before <= 0) {
        this.prefixes.set(prefix, (this.prefixes.get(prefix) ?? 0) + 1);
        counts.rooms += 1;
      }
    } else if (before > 0) {
      this.sizes.delete(member);
      const left = (this.prefixes.get(prefix) ?? 0) - 1;
      if (left > 0) this.prefixes.set(prefix, left);
      else this.prefixes.delete(prefix);
      counts.rooms -= 1;
    }
    if (counts.rooms > 0 || counts.members > 0) this.namespaces.set(ns, counts);
    else this.namespaces.delete(ns);
  }

  private applyUser(user: string, old: 'online' | 'away' | null, next: 'online' | 'away' | null): void {
    if (old === next) return;
    const status = () =>
      (this.online.get(user) ?? 0) > 0 ? 'online' : (this.away.get(user) ?? 0) > 0 ? 'away' : null;
    const before = status();
    const shift = (refs: Map<string, number>, by: number) => {
      const n = (refs.get(user) ?? 0) + by;
      if (n > 0) refs.set(user, n);
      else refs.delete(user);
    };
    if (old) shift(old === 'online' ? this.online : this.away, -1);
    if (next) shift(next === 'online' ? this.online : this.away, 1);
    const after = status();
    if (before === after) return;
    if (before) this.totals[before] -= 1;
    if (after) this.totals[after] += 1;
  }
}
