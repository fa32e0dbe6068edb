import type { SocketDelta, SocketRecord } from '@telltale/shared';
import type { Socket } from 'socket.io';
import { CappedCounter } from './labels.ts';
import { newWindow, type RateWindow } from './rate-limit.ts';

/** Room names kept per socket in the sockets hash; the count stays exact. */
const ROOM_NAMES_PER_SOCKET = 50;
/** Event types counted by name per socket and direction (for its detail); the rest as `other`. */
export const SOCKET_EVENT_TYPE_CAP = 20;

export interface SocketIdentity {
  userId: string | null;
  role: string | null;
}

/** What the node knows about one connected socket; mutated in place on the hot path. Its own rate window is inline. */
export interface TrackedSocket extends RateWindow {
  readonly socket: Socket;
  readonly id: string;
  readonly namespace: string;
  readonly userId: string | null;
  readonly role: string | null;
  readonly connectedAt: number;
  /** The transport it connected with; `transport` is the one it uses now. */
  readonly firstTransport: string;
  transport: string;
  upgradedAt: number | null;
  lastEventAt: number | null;
  eventsIn: number;
  eventsOut: number;
  /** Made on the socket's first event that way, so an idle socket costs no counter. */
  inByType: CappedCounter | null;
  outByType: CappedCounter | null;
  /** Queued for the next flush's upsert. */
  dirty: boolean;
  gone: boolean;
}

interface TrackedUser {
  readonly sockets: Set<TrackedSocket>;
  readonly window: RateWindow;
}

/**
 * The node's connected sockets, indexed by id and user, with gauges kept incrementally and the
 * changes since the last flush (so the sockets hash is written by deltas, O(changes)).
 */
export class SocketTable {
  private readonly sockets = new Map<string, TrackedSocket>();
  private readonly users = new Map<string, TrackedUser>();
  private readonly namespaces = new Map<string, number>();
  private readonly transports = new Map<string, number>();
  private changed: TrackedSocket[] = [];
  private removed: string[] = [];

  get size(): number {
    return this.sockets.size;
  }

  add(socket: Socket, identity: SocketIdentity, transport: string, now: number): TrackedSocket {
    const tracked: TrackedSocket = {
      socket,
      id: socket.id,
      namespace: socket.nsp.name,
      userId: identity.userId,
      role: identity.role,
      connectedAt: now,
      firstTransport: transport,
      transport,
      upgradedAt: null,
      lastEventAt: null,
      eventsIn: 0,
      eventsOut: 0,
      inByType: null,
      outByType: null,
      dirty: false,
      gone: false,
      windowStart: 0,
      windowCount: 0,
    };
    this.sockets.set(tracked.id, tracked);
    if (tracked.userId !== null) {
      let user = this.users.get(tracked.userId);
      if (!user) {
        user = { sockets: new Set(), window: newWindow() };
        this.users.set(tracked.userId, user);
      }
      user.sockets.add(tracked);
    }
    bump(this.namespaces, tracked.namespace, 1);
    bump(this.transports, transport, 1);
    this.markDirty(tracked);
    return tracked;
  }

  remove(tracked: TrackedSocket): void {
    if (tracked.gone) return;
    tracked.gone = true;
    this.sockets.delete(tracked.id);
    if (tracked.userId !== null) {
      const user = this.users.get(tracked.userId);
      user?.sockets.delete(tracked);
      if (user && user.sockets.size === 0) this.users.delete(tracked.userId);
    }
    bump(this.namespaces, tracked.namespace, -1);
    bump(this.transports, tracked.transport, -1);
    this.removed.push(tracked.id);
  }

  get(socketId: string): TrackedSocket | undefined {
    return this.sockets.get(socketId);
  }

  ofUser(userId: string): TrackedSocket[] {
    return [...(this.users.get(userId)?.sockets ?? [])];
  }

  userWindow(tracked: TrackedSocket): RateWindow | null {
    return tracked.userId === null ? null : (this.users.get(tracked.userId)?.window ?? null);
  }

  all(): IterableIterator<TrackedSocket> {
    return this.sockets.values();
  }

  markDirty(tracked: TrackedSocket): void {
    if (tracked.dirty || tracked.gone) return;
    tracked.dirty = true;
    this.changed.push(tracked);
  }

  changeTransport(tracked: TrackedSocket, transport: string, now: number): void {
    if (tracked.gone || tracked.transport === transport) return;
    bump(this.transports, tracked.transport, -1);
    bump(this.transports, transport, 1);
    tracked.transport = transport;
    tracked.upgradedAt = now;
    this.markDirty(tracked);
  }

  /** Connections per namespace that has any: a dynamic namespace's count goes when its last socket does. */
  byNamespace(): Record<string, number> {
    return Object.fromEntries(this.namespaces);
  }

  byTransport(): Record<string, number> {
    const result: Record<string, number> = {};
    for (const [name, count] of this.transports) if (count > 0) result[name] = count;
    return result;
  }

  /**
   * The changes since the last call, and forgets them. `full` lists every socket instead, for the
   * store to rebuild the hash wholesale (after a failed flush, or when Redis came back empty).
   */
  takeDelta(nodeId: string, full: boolean): SocketDelta {
    const changed = this.changed;
    const removed = this.removed;
    this.changed = [];
    this.removed = [];
    for (const tracked of changed) tracked.dirty = false;
    if (full) return { upsert: [...this.sockets.values()].map((t) => socketRecord(t, nodeId)), remove: [] };
    return {
      upsert: changed.filter((t) => !t.gone).map((t) => socketRecord(t, nodeId)),
      remove: removed,
    };
  }
}

/** One inbound event of this socket, for its detail. */
export function countIn(tracked: TrackedSocket, type: string): void {
  tracked.eventsIn++;
  tracked.inByType ??= new CappedCounter(SOCKET_EVENT_TYPE_CAP);
  tracked.inByType.add(type);
}

/** One packet written to this socket, for its detail. */
export function countOut(tracked: TrackedSocket, type: string): void {
  tracked.eventsOut++;
  tracked.outByType ??= new CappedCounter(SOCKET_EVENT_TYPE_CAP);
  tracked.outByType.add(type);
}

export function socketRecord(tracked: TrackedSocket, nodeId: string): SocketRecord {
  const roomNames: string[] = [];
  let rooms = 0;
  for (const room of tracked.socket.rooms) {
    if (room === tracked.id) continue;
    rooms++;
    if (roomNames.length < ROOM_NAMES_PER_SOCKET) roomNames.push(room);
  }
  return {
    id: tracked.id,
    nodeId,
    namespace: tracked.namespace,
    userId: tracked.userId,
    role: tracked.role,
    transport: tracked.transport,
    connectedAt: tracked.connectedAt,
    rooms,
    roomNames,
    lastEventAt: tracked.lastEventAt,
  };
}

function bump(map: Map<string, number>, key: string, by: number): void {
  const count = (map.get(key) ?? 0) + by;
  if (count === 0) map.delete(key);
  else map.set(key, count);
}
