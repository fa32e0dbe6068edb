import type { CommandOutcome } from '@telltale/shared';
import {
  argumentBytes,
  type PayloadPolicy,
  payloadPolicy,
  payloadPreview,
  TAP_LIMITS,
  type TapEntry,
  TapGate,
  type TapSink,
  type TapSpec,
  type TapSubject,
  tapMatcher,
} from '@telltale/shared/tap';
import type { Socket } from 'socket.io';
import { describeError, type InstrumentLogger } from './log.ts';

/**
 * What the app lets a tap see (`instrument(io, { tap })`). Without `payloads: true` a tap reports
 * names, sizes and sockets only, whatever the admin asked for.
 */
export interface TapOptions {
  /** Let taps that ask for them see event arguments, redacted and cut. Default false. */
  payloads?: boolean;
  /** Bytes of JSON a payload keeps (1 to 4096). Default 512. */
  payloadBytes?: number;
  /** Keys redacted besides credentials (password, token, secret, authorization, cookie, …). */
  redactKeys?: readonly string[];
}

export interface TapRecorderOptions {
  nodeId: string;
  sink: TapSink;
  log: InstrumentLogger;
  tap?: TapOptions | undefined;
  now?: () => number;
}

const NO_ROOMS: ReadonlySet<string> = new Set();

interface ActiveTap {
  spec: TapSpec;
  matches: (subject: TapSubject) => boolean;
  gate: TapGate;
  /** Caught since the last send; at most one second's cap (the store being slow drops the rest). */
  pending: TapEntry[];
  /** Events in `pending` (notices aside). */
  buffered: number;
  overflow: number;
  endTimer: ReturnType<typeof setTimeout>;
  warned: boolean;
}

/**
 * A node's taps. The hot path asks `active` first, so with no tap an event costs one property read;
 * with taps, each matching event passes the tap's gate (sample, then its rate cap) before anything
 * is built for it. What was caught goes to the store every `TAP_LIMITS.sendEveryMs`, one round
 * trip per tap with news; a tap ends by itself at its end time, on this node's clock.
 */
export class TapRecorder {
  /** True while any tap runs: the only thing an event pays for when none does. */
  active = false;
  private readonly taps = new Map<string, ActiveTap>();
  /** The taps as an array, and whether one filters by room: what `record` reads per event. */
  private running: ActiveTap[] = [];
  private byRoom = false;
  /** One subject object, filled in per event: the hot path allocates nothing before a tap admits. */
  private readonly subject: { -readonly [K in keyof TapSubject]: TapSubject[K] } = {
    namespace: '',
    event: '',
    socketId: '',
    userId: null,
    rooms: NO_ROOMS,
  };
  private readonly payloads: PayloadPolicy | null;
  private readonly now: () => number;
  private sendTimer: ReturnType<typeof setInterval> | null = null;
  private sending: Promise<void> = Promise.resolve();

  constructor(private readonly options: TapRecorderOptions) {
    this.now = options.now ?? Date.now;
    this.payloads = options.tap?.payloads ? payloadPolicy(options.tap) : null;
  }

  /** The `tap-start` command: runs the tap until its end time (replacing one with the same id). */
  start(spec: TapSpec): CommandOutcome {
    const now = this.now();
    if (spec.endsAt <= now) return { ok: false, affected: 0, error: 'tap already ended' };
    if (!this.taps.has(spec.id) && this.taps.size >= TAP_LIMITS.maxActivePerNode) {
      return {
        ok: false,
        affected: 0,
        error: `this node runs ${TAP_LIMITS.maxActivePerNode} taps already (the most it runs at once)`,
      };
    }
    this.end(spec.id, null);
    const tap: ActiveTap = {
      spec,
      matches: tapMatcher(spec.filter),
      gate: new TapGate(spec.sampleRate, spec.maxEventsPerSecond, now),
      pending: [
        {
          kind: 'started',
          at: now,
          node: this.options.nodeId,
          payloads: spec.payloads && this.payloads !== null,
        },
      ],
      buffered: 0,
      overflow: 0,
      endTimer: setTimeout(() => this.end(spec.id, 'duration'), spec.endsAt - now),
      warned: false,
    };
    tap.endTimer.unref?.();
    this.taps.set(spec.id, tap);
    this.changed();
    if (!this.sendTimer) {
      this.sendTimer = setInterval(() => void this.send(), TAP_LIMITS.sendEveryMs);
      this.sendTimer.unref?.();
    }
    return { ok: true, affected: 0 };
  }

  /** The `tap-stop` command; a tap this node does not run is no error (it ended, or never came). */
  stop(tapId: string): CommandOutcome {
    return { ok: true, affected: this.end(tapId, 'stopped') ? 1 : 0 };
  }

  /** Ends every tap and sends what is left; resolves once it was sent (or failed). */
  async close(): Promise<void> {
    for (const id of [...this.taps.keys()]) this.end(id, 'shutdown');
    await this.sending;
  }

  /** One event on one socket, in or out; only called while `active`. */
  record(direction: 'in' | 'out', socket: Socket, userId: string | null, args: readonly unknown[]): void {
    const name = args[0];
    if (typeof name !== 'string') return;
    const subject = this.subject;
    subject.namespace = socket.nsp.name;
    subject.event = name;
    subject.socketId = socket.id;
    subject.userId = userId;
    subject.rooms = this.byRoom ? socket.rooms : NO_ROOMS;
    const now = this.now();
    for (const tap of this.running) {
      if (!tap.matches(subject) || !tap.gate.admit(now)) continue;
      if (tap.buffered >= tap.spec.maxEventsPerSecond) {
        tap.overflow++;
        continue;
      }
      tap.buffered++;
      tap.pending.push(this.entry(tap, direction, subject, args, now));
    }
  }

  private entry(
    tap: ActiveTap,
    direction: 'in' | 'out',
    subject: TapSubject,
    args: readonly unknown[],
    at: number,
  ): TapEntry {
    // An inbound event's last argument may be its ack callback: no data of the event.
    const data = typeof args[args.length - 1] === 'function' ? args.slice(1, -1) : args.slice(1);
    const entry: TapEntry = {
      kind: 'event',
      at,
      node: this.options.nodeId,
      direction,
      namespace: subject.namespace,
      socketId: subject.socketId,
      userId: subject.userId,
      event: subject.event.slice(0, TAP_LIMITS.eventNameLength),
      bytes: argumentBytes(data),
    };
    if (tap.spec.payloads && this.payloads) {
      const { payload, truncated } = payloadPreview(data, this.payloads);
      entry.payload = payload;
      if (truncated) entry.truncated = true;
    }
    return entry;
  }

  private changed(): void {
    this.running = [...this.taps.values()];
    this.byRoom = this.running.some((tap) => tap.spec.filter.room !== undefined);
    this.active = this.running.length > 0;
  }

  /** Stops a tap now; its last entries and an `ended` notice go out with the next send. */
  private end(tapId: string, reason: 'duration' | 'stopped' | 'shutdown' | null): boolean {
    const tap = this.taps.get(tapId);
    if (!tap) return false;
    clearTimeout(tap.endTimer);
    this.taps.delete(tapId);
    this.changed();
    if (reason) {
      const last = this.drain(tap);
      last.push({ kind: 'ended', at: this.now(), node: this.options.nodeId, reason });
      this.queue(tap, last);
    }
    if (!this.active && this.sendTimer) {
      clearInterval(this.sendTimer);
      this.sendTimer = null;
    }
    return true;
  }

  private send(): Promise<void> {
    for (const tap of this.taps.values()) {
      const entries = this.drain(tap);
      if (entries.length > 0) this.queue(tap, entries);
    }
    return this.sending;
  }

  /** What a tap caught since the last send, with a `dropped` notice for what its cap kept out. */
  private drain(tap: ActiveTap): TapEntry[] {
    const entries = tap.pending;
    tap.pending = [];
    tap.buffered = 0;
    const dropped = tap.gate.takeDropped() + tap.overflow;
    tap.overflow = 0;
    if (dropped > 0)
      entries.push({ kind: 'dropped', at: this.now(), node: this.options.nodeId, count: dropped });
    return entries;
  }

  /** Sends in order, one append after the other: a slow store delays the tap, never reorders it. */
  private queue(tap: ActiveTap, entries: TapEntry[]): void {
    const retainMs = Math.max(tap.spec.endsAt - this.now(), 0) + TAP_LIMITS.retainAfterEndMs;
    this.sending = this.sending.then(() =>
      this.options.sink.appendTap(tap.spec.id, entries, retainMs).catch((error: unknown) => {
        if (tap.warned) return;
        tap.warned = true;
        this.options.log.warn(`sending tap ${tap.spec.id} to the store failed: ${describeError(error)}`);
      }),
    );
  }
}
