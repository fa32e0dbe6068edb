import type { Server, Socket } from 'socket.io';
import { Instrumentation, type InstrumentOptions } from './instrumentation.ts';

export type { CommandOutcome } from '@telltale/shared';
export {
  Instrumentation,
  type InstrumentOptions,
  type RateLimits,
  type Readiness,
  type SocketIdentityInput,
  type TapOptions,
} from './instrumentation.ts';
export { OVERFLOW_LABEL } from './labels.ts';
export { consoleLogger, type InstrumentLogger, silentLogger } from './log.ts';
export { defaultNodeId } from './options.ts';
export type { SocketIdentity, TrackedSocket } from './socket-table.ts';

/** The socket type of a server: its event maps and its `socket.data` type. */
export type SocketOf<TServer> =
  TServer extends Server<infer L, infer E, infer S, infer D> ? Socket<L, E, S, D> : Socket;

/**
 * Instruments a Socket.IO server: call it before registering your connection handlers and
 * middlewares, then `await instrumentation.start()`. Throws a `TypeError` naming the option when
 * `cluster`, `nodeId` or `flushIntervalMs` cannot be used.
 *
 * @returns the node's instrumentation: `start()`, `stop()`, `readiness()`, `recordAuthFailure()`, …
 */
export function instrument<TServer extends Server>(
  io: TServer,
  options: InstrumentOptions<SocketOf<TServer>>,
): Instrumentation {
  return new Instrumentation(io, options as InstrumentOptions);
}
