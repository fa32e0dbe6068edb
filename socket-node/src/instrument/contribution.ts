import {
  type AggregateChanges,
  MAX_ROOM_NAME_LENGTH,
  type NodePresence,
  type RoomShare,
} from '@telltale/shared';

type UserStatus = 'online' | 'away';

/** This node's rooms and users now, as the cluster aggregates count them. */
export interface Contribution {
  rooms: ReadonlyMap<string, RoomShare>;
  users: ReadonlyMap<string, UserStatus>;
}

/** Users from the presence callback: online wins over away; ids bounded like every other id. */
export function usersOf(presence: NodePresence): Map<string, UserStatus> {
  const users = new Map<string, UserStatus>();
  for (const id of presence.away) users.set(id.slice(0, MAX_ROOM_NAME_LENGTH), 'away');
  for (const id of presence.online) users.set(id.slice(0, MAX_ROOM_NAME_LENGTH), 'online');
  return users;
}

/**
 * What the store last confirmed of this node's contribution to the cluster aggregates, so each
 * flush sends only what changed since (O(changes) bytes); a whole flush sends everything.
 */
export class ContributionTracker {
  private rooms = new Map<string, number>();
  private users = new Map<string, UserStatus>();

  /** The changes from the confirmed contribution to `now`, or all of `now` when `whole`. */
  changes(now: Contribution, whole: boolean): AggregateChanges {
    const rooms: RoomShare[] = [];
    const users: AggregateChanges['users'] = [];
    for (const [key, room] of now.rooms) if (whole || this.rooms.get(key) !== room.size) rooms.push(room);
    for (const [id, status] of now.users)
      if (whole || this.users.get(id) !== status) users.push([id, status]);
    if (!whole) {
      for (const key of this.rooms.keys()) {
        if (now.rooms.has(key)) continue;
        const cut = key.indexOf('\n');
        rooms.push({ namespace: key.slice(0, cut), name: key.slice(cut + 1), size: 0 });
      }
      for (const id of this.users.keys()) if (!now.users.has(id)) users.push([id, null]);
    }
    return { whole, rooms, users };
  }

  /** The store holds `now` as this node's contribution. */
  confirm(now: Contribution): void {
    this.rooms = new Map([...now.rooms].map(([key, room]) => [key, room.size]));
    this.users = new Map(now.users);
  }
}
