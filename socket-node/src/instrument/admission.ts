import type { NodeMeta, RateLimit } from '@telltale/shared';
import { admit } from './rate-limit.ts';
import type { SocketTable, TrackedSocket } from './socket-table.ts';

/** Why a new connection is refused: also its `data.code` and its label in `refusedConnections`. */
export type RefusalReason = 'maintenance' | 'draining';

/** What a middleware hands to `next()` to refuse a connection (socket.io 4.7 does not export `ExtendedError`). */
export type ConnectionRefusal = Error & { data?: unknown };

/** A refusal by the node's mode, with the reason clients read in `data.code`. */
export type ModeRefusal = Error & { data: { code: RefusalReason } };

export type RateLimits = { perSocket: RateLimit | null; perUser: RateLimit | null };

/**
 * Who may come in and how much they may send: the node's mode (maintenance and shutdown refuse
 * new connections) and the per-socket and per-user event limits.
 */
export class Admission {
  private currentMode: NodeMeta['mode'] = 'starting';
  private maintenanceMessage: string | null = null;
  private limits: RateLimits = { perSocket: null, perUser: null };

  constructor(private readonly sockets: SocketTable) {}

  get mode(): NodeMeta['mode'] {
    return this.currentMode;
  }

  get rateLimits(): RateLimits {
    return this.limits;
  }

  /** The first flush is done: a node still starting now runs. */
  started(): void {
    if (this.currentMode === 'starting') this.currentMode = 'running';
  }

  drain(): void {
    this.currentMode = 'draining';
  }

  /** `running` says where switching maintenance off returns to; ignored while draining. */
  setMaintenance(enabled: boolean, message: string | null, running: boolean): void {
    if (this.currentMode === 'draining') return;
    if (enabled) {
      this.currentMode = 'maintenance';
      this.maintenanceMessage = message;
    } else if (this.currentMode === 'maintenance') {
      this.currentMode = running ? 'running' : 'starting';
      this.maintenanceMessage = null;
    }
  }

  setRateLimits(limits: RateLimits): void {
    this.limits = limits;
  }

  /** Why the mode keeps the node from being ready; null when it does not. */
  notReadyReason(): string | null {
    switch (this.currentMode) {
      case 'starting':
        return 'starting';
      case 'draining':
        return 'shutting down';
      case 'maintenance':
        return `maintenance mode${this.maintenanceMessage ? `: ${this.maintenanceMessage}` : ''}`;
      default:
        return null;
    }
  }

  /** The error a new connection is refused with, with `data.code` for clients; null: admitted. */
  refuseConnection(): ModeRefusal | null {
    if (this.currentMode === 'maintenance') {
      return refusal(
        `server is in maintenance mode: ${this.maintenanceMessage ?? 'try again later'}`,
        'maintenance',
      );
    }
    if (this.currentMode === 'draining') {
      return refusal('server is shutting down: reconnect to another node', 'draining');
    }
    return null;
  }

  /**
   * Counts one inbound event against the limits; false when it is over one, after answering the
   * event's ack (if it has one) with the limit it broke.
   */
  admitEvent(tracked: TrackedSocket, event: unknown[], now: number): boolean {
    const { perSocket, perUser } = this.limits;
    if (!perSocket && !perUser) return true;
    const withinSocket = perSocket ? admit(tracked, perSocket, now) : true;
    const userWindow = perUser && withinSocket ? this.sockets.userWindow(tracked) : null;
    const withinUser = perUser && userWindow ? admit(userWindow, perUser, now) : true;
    if (withinSocket && withinUser) return true;
    const ack = event[event.length - 1];
    if (typeof ack === 'function') {
      const limit = withinSocket ? perUser : perSocket;
      ack({
        ok: false,
        error: `rate limited: more than ${limit?.limit} events per ${limit?.windowMs} ms ${withinSocket ? 'for this user' : 'on this socket'}`,
      });
    }
    return false;
  }
}

function refusal(message: string, code: RefusalReason): ModeRefusal {
  return Object.assign(new Error(message), { data: { code } });
}
