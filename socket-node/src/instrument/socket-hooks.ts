import { EventEmitter } from 'node:events';
import { Socket } from 'socket.io';

/**
 * The Socket.IO 4 socket internals the hot path hooks into, all in this file. Hooking them on a
 * shared prototype (instead of wrapping every listener or adding a middleware per socket) costs no
 * allocation per socket and none per event beyond what Socket.IO itself does.
 */
interface SocketInternals {
  connected: boolean;
  dispatch(event: unknown[]): void;
  run(event: unknown[], fn: (err?: Error | null) => void): void;
  _onerror(err: Error): void;
  _onclose(reason: string, description?: unknown): unknown;
  notifyOutgoingListeners(packet: OutgoingPacket): void;
}

export interface OutgoingPacket {
  data?: unknown[];
}

export interface SocketHooks {
  /** A listener was added for this event name (`socket.on`, `once`, `addListener`). */
  listening(event: string): void;
  /** Every inbound event, before any middleware; false drops it (it was answered already). */
  inbound(socket: Socket, event: unknown[]): boolean;
  /** Handler latency in ms: until the ack is called, or until the listeners return without one. */
  handled(ms: number): void;
  /** A listener threw, or a middleware refused the event. */
  failed(error: unknown, event: unknown): void;
  /** Every packet written to this socket, whether emitted to it or broadcast. */
  outbound(socket: Socket, packet: OutgoingPacket): void;
  /** The socket left, with Socket.IO's reason. */
  closed(socket: Socket, reason: string): void;
}

const base = Socket.prototype as unknown as SocketInternals;
const emit = EventEmitter.prototype.emit;

/** A prototype to give instrumented sockets (`Object.setPrototypeOf`); it inherits Socket.IO's. */
export function hookedSocketPrototype(hooks: SocketHooks): object {
  for (const name of ['dispatch', 'run', '_onerror', '_onclose', 'notifyOutgoingListeners'] as const) {
    if (typeof base[name] !== 'function') {
      throw new Error(`telltale instrument needs socket.io 4.x: Socket.prototype.${name} is missing`);
    }
  }
  const proto = Object.create(Socket.prototype) as SocketInternals;

  // Mirrors Socket.IO's own dispatch (middlewares, then listeners on the next tick) with timing around it.
  proto.dispatch = function dispatch(this: SocketInternals, event: unknown[]): void {
    if (!hooks.inbound(this as unknown as Socket, event)) return;
    const started = performance.now();
    const last = event.length - 1;
    const ack = event[last];
    const acked = typeof ack === 'function';
    if (acked) {
      // An arrow, not a named function: tsx (esbuild keepNames) would wrap a named one in a
      // per-event `__name` call that redefines `.name` on every ack (1-2 % of the server's CPU).
      event[last] = (...args: unknown[]): unknown => {
        hooks.handled(performance.now() - started);
        return (ack as (...a: unknown[]) => unknown)(...args);
      };
    }
    this.run(event, (err) => {
      process.nextTick(() => {
        if (err) {
          hooks.failed(err, event[0]);
          this._onerror(err);
          return;
        }
        if (!this.connected) return;
        try {
          emit.apply(this, event as [string, ...unknown[]]);
        } catch (error) {
          // Socket.IO would let this crash the process; counted and reported instead.
          hooks.failed(error, event[0]);
        }
        if (!acked) hooks.handled(performance.now() - started);
      });
    });
  };

  for (const name of ['on', 'once', 'addListener', 'prependListener', 'prependOnceListener'] as const) {
    const add = (Socket.prototype as unknown as EventEmitter)[name];
    (proto as unknown as EventEmitter)[name] = function (this: EventEmitter, event, listener) {
      if (typeof event === 'string') hooks.listening(event);
      return add.call(this, event, listener);
    };
  }

  proto.notifyOutgoingListeners = function notifyOutgoingListeners(
    this: SocketInternals,
    packet: OutgoingPacket,
  ) {
    hooks.outbound(this as unknown as Socket, packet);
    base.notifyOutgoingListeners.call(this, packet);
  };

  proto._onclose = function _onclose(this: SocketInternals, reason: string, description?: unknown) {
    const wasConnected = this.connected;
    const result = base._onclose.call(this, reason, description);
    if (wasConnected) hooks.closed(this as unknown as Socket, reason);
    return result;
  };

  return proto;
}
