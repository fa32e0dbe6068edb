import type { AlertEvent } from '@telltale/shared';
import type { StatusStorage } from '../status/storage.ts';
import type { AlertDocuments } from './alert-documents.ts';
import type { MinuteRollup, TickPoint } from './history.ts';

/** What the aggregator remembers about one live-feed subscriber; must survive DO hibernation. */
export interface SubscriberState {
  paused: boolean;
}

/** One live-feed subscriber (a WebSocket or an SSE stream); the runtime owns the transport. */
export interface LiveConnection {
  readonly id: string;
  send(message: string): void;
  close(code: number, reason: string): void;
  readonly state: SubscriberState;
  setState(state: SubscriberState): void;
}

/** The set of open subscribers: a plain Set on Node, `ctx.getWebSockets()` in a Durable Object. */
export interface LiveHub {
  connections(): Iterable<LiveConnection>;
}

/** Arms the next tick: a timer on Node, a Durable Object alarm on Workers. */
export interface Scheduler {
  schedule(delayMs: number): void | Promise<void>;
  cancel(): void | Promise<void>;
}

/**
 * Durable history: memory on Node, SQLite in the Durable Object. Writes also drop what falls
 * out of retention, so storage never grows past 2 h of ticks and 24 h of minutes.
 */
export interface HistoryStorage {
  appendTick(point: TickPoint, keepSince: number): Promise<void>;
  /** Inserts or replaces the rollup of the minute starting at `rollup.at`. */
  putMinute(rollup: MinuteRollup, keepSince: number): Promise<void>;
  ticksSince(since: number): Promise<TickPoint[]>;
  minutesSince(since: number): Promise<MinuteRollup[]>;
  appendAlertEvents(events: AlertEvent[], keep: number): Promise<void>;
  /** Newest first. */
  recentAlertEvents(limit: number): Promise<AlertEvent[]>;
}

export interface AggregatorLogger {
  warn(message: string): void;
  error(message: string): void;
}

/** Everything that differs between Node and Workers, injected so the actor's code is the same. */
export interface AggregatorRuntime {
  storage: HistoryStorage;
  /** Silences and the SLO series; the store's alerts hash when not given (Node). */
  alertDocuments?: AlertDocuments;
  /** The 90-day status history, incidents and maintenance windows; memory when not given. */
  statusStorage?: StatusStorage;
  scheduler: Scheduler;
  hub: LiveHub;
  fetch: typeof fetch;
  now: () => number;
  logger: AggregatorLogger;
}

/** Node's scheduler: one pending timer, unref'd so it never keeps the process alive on its own. */
export function timerScheduler(onFire: () => void): Scheduler {
  let timer: ReturnType<typeof setTimeout> | null = null;
  return {
    schedule(delayMs) {
      if (timer) clearTimeout(timer);
      timer = setTimeout(() => {
        timer = null;
        onFire();
      }, delayMs);
      // Node's timers are objects with unref(); workerd's are plain numbers.
      const handle = timer as { unref?: () => void } | number;
      if (typeof handle === 'object') handle.unref?.();
    },
    cancel() {
      if (timer) clearTimeout(timer);
      timer = null;
    },
  };
}

/** Node's hub: the subscribers of this process. */
export class MemoryLiveHub implements LiveHub {
  private readonly open = new Map<string, LiveConnection>();

  add(connection: LiveConnection): void {
    this.open.set(connection.id, connection);
  }

  remove(connection: LiveConnection): void {
    this.open.delete(connection.id);
  }

  get size(): number {
    return this.open.size;
  }

  connections(): Iterable<LiveConnection> {
    return this.open.values();
  }
}

export const consoleLogger: AggregatorLogger = {
  warn: (message) => console.warn(`[aggregator] ${message}`),
  error: (message) => console.error(`[aggregator] ${message}`),
};
