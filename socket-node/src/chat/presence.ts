import type { NodePresence, PresenceRecord, PresenceStatus, PresenceStore } from '@telltale/shared';
import type { PresenceTimings } from '../config.ts';
import { describeError, type InstrumentLogger } from '../instrument/log.ts';

/** A change of a user's presence as the whole cluster sees it. */
export type PresenceChange = 'online' | 'away' | 'offline';

export interface PresenceTrackerOptions {
  store: PresenceStore;
  nodeId: string;
  timings: PresenceTimings;
  /** Called once per cluster-level change of a user (not per node, not per tab). */
  announce: (userId: string, change: PresenceChange, role: string) => void;
  log: InstrumentLogger;
}

interface LocalUser {
  readonly userId: string;
  role: string;
  /** Socket id → time of its last heartbeat (or of its connect). */
  readonly sockets: Map<string, number>;
  /** What the user asked for with presence:online / presence:away. */
  chosen: PresenceStatus;
  status: PresenceStatus;
  grace: NodeJS.Timeout | null;
  writtenAt: number;
  /** Store operations for this user run one after another, so they never overtake each other. */
  queue: Promise<void>;
}

/**
 * Presence of the reference app's users across the cluster: online while heartbeats arrive, away when every socket
 * of the user missed two heartbeat intervals (or the user chose away), offline once the last socket
 * is gone and no reconnect happened within the grace period — on any node. Each node writes its
 * share of a user to the store; the store folds the shares, so a user with tabs on two nodes is
 * one user, and an announcement is made only when the cluster-wide state changes.
 */
export class PresenceTracker {
  private readonly users = new Map<string, LocalUser>();
  private readonly sweeper: NodeJS.Timeout;
  private stopped = false;

  constructor(private readonly options: PresenceTrackerOptions) {
    const every = Math.max(25, Math.floor(options.timings.heartbeatMs / 2));
    this.sweeper = setInterval(() => this.sweep(Date.now()), every);
    this.sweeper.unref();
  }

  connect(userId: string, socketId: string, role: string, now = Date.now()): void {
    let user = this.users.get(userId);
    if (!user) {
      user = {
        userId,
        role,
        sockets: new Map(),
        chosen: 'online',
        status: 'online',
        grace: null,
        writtenAt: 0,
        queue: Promise.resolve(),
      };
      this.users.set(userId, user);
      user.sockets.set(socketId, now);
      this.enqueue(user, () => this.cameOnline(user as LocalUser));
      return;
    }
    user.role = role;
    user.sockets.set(socketId, now);
    if (user.grace) {
      // Back within the grace period: the cluster never saw this user leave.
      clearTimeout(user.grace);
      user.grace = null;
    }
    this.reevaluate(user, now);
  }

  heartbeat(userId: string, socketId: string, now = Date.now()): void {
    const user = this.users.get(userId);
    if (!user?.sockets.has(socketId)) return;
    user.sockets.set(socketId, now);
    this.reevaluate(user, now);
  }

  choose(userId: string, status: PresenceStatus, now = Date.now()): void {
    const user = this.users.get(userId);
    if (!user) return;
    user.chosen = status;
    this.reevaluate(user, now);
  }

  disconnect(userId: string, socketId: string): void {
    const user = this.users.get(userId);
    if (!user?.sockets.delete(socketId) || user.sockets.size > 0 || this.stopped) return;
    user.grace = setTimeout(() => {
      user.grace = null;
      this.enqueue(user, async () => {
        if (user.sockets.size > 0) return;
        await this.wentOffline(user);
        // A reconnect that raced the announcement makes the user online again.
        if (user.sockets.size > 0) await this.cameOnline(user);
        else if (this.users.get(userId) === user) this.users.delete(userId);
      });
    }, this.options.timings.graceMs);
    user.grace.unref();
  }

  /** The node's presence section: users in their grace period still count with their last status. */
  snapshot(now = Date.now()): NodePresence {
    const online: string[] = [];
    const away: string[] = [];
    let staleClients = 0;
    const staleAfter = 2 * this.options.timings.heartbeatMs;
    for (const user of this.users.values()) {
      (user.status === 'online' ? online : away).push(user.userId);
      for (const beat of user.sockets.values()) if (now - beat > staleAfter) staleClients++;
    }
    return { online, away, staleClients };
  }

  statusOf(userId: string): PresenceStatus | null {
    return this.users.get(userId)?.status ?? null;
  }

  /** Stops timers and withdraws this node's shares, so other nodes can announce users offline. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.sweeper);
    const users = [...this.users.values()];
    this.users.clear();
    for (const user of users) if (user.grace) clearTimeout(user.grace);
    await Promise.allSettled(users.map((user) => user.queue.then(() => this.write(user, 0))));
  }

  private sweep(now: number): void {
    const refreshEvery = this.options.timings.ttlMs / 3;
    for (const user of this.users.values()) {
      if (user.sockets.size === 0) continue;
      const changed = this.reevaluate(user, now);
      if (!changed && now - user.writtenAt >= refreshEvery) this.enqueue(user, () => this.write(user));
    }
  }

  /** Recomputes the local status; on a change, writes the share and announces if the cluster changed. */
  private reevaluate(user: LocalUser, now: number): boolean {
    if (user.sockets.size === 0) return false;
    const staleAfter = 2 * this.options.timings.heartbeatMs;
    let fresh = false;
    for (const beat of user.sockets.values()) if (now - beat <= staleAfter) fresh = true;
    const status: PresenceStatus = user.chosen === 'away' || !fresh ? 'away' : 'online';
    if (status === user.status) return false;
    user.status = status;
    this.enqueue(user, () => (status === 'online' ? this.cameOnline(user) : this.wentAway(user)));
    return true;
  }

  private async cameOnline(user: LocalUser): Promise<void> {
    const before = await this.read(user.userId);
    await this.write(user);
    if (before?.status !== 'online') this.options.announce(user.userId, 'online', user.role);
  }

  private async wentAway(user: LocalUser): Promise<void> {
    await this.write(user);
    const after = await this.read(user.userId);
    if (after?.status !== 'online') this.options.announce(user.userId, 'away', user.role);
  }

  private async wentOffline(user: LocalUser): Promise<void> {
    await this.write(user, 0);
    const after = await this.read(user.userId);
    if (!after) this.options.announce(user.userId, 'offline', user.role);
  }

  private async write(user: LocalUser, sockets = user.sockets.size || 1): Promise<void> {
    const { store, nodeId, timings } = this.options;
    try {
      await store.setPresence(user.userId, nodeId, { status: user.status, sockets }, timings.ttlMs);
      user.writtenAt = Date.now();
    } catch (error) {
      this.options.log.warn(`presence of ${user.userId} not written: ${describeError(error)}`);
    }
  }

  /** The cluster's record; when the store is unreachable, null (the local view decides). */
  private async read(userId: string): Promise<PresenceRecord | null> {
    const { store } = this.options;
    try {
      return await store.getPresence(userId);
    } catch (error) {
      this.options.log.warn(`presence of ${userId} not read: ${describeError(error)}`);
      return null;
    }
  }

  private enqueue(user: LocalUser, operation: () => Promise<void>): void {
    user.queue = user.queue.then(operation).catch((error: unknown) => {
      this.options.log.error(`presence update of ${user.userId} failed: ${describeError(error)}`);
    });
  }
}
