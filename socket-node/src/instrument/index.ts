import type { Server } from 'socket.io';
import { Instrumentation, type InstrumentOptions } from './instrumentation.ts';

export type { CommandOutcome } from './commands.ts';
export {
  Instrumentation,
  type InstrumentOptions,
  type RateLimits,
  type Readiness,
} from './instrumentation.ts';
export { OVERFLOW_LABEL } from './labels.ts';
export { consoleLogger, type InstrumentLogger, silentLogger } from './log.ts';
export type { SocketIdentity, TrackedSocket } from './socket-table.ts';

/**
 * Instruments a Socket.IO server: call it before registering your connection handlers and
 * middlewares, then `await instrumentation.start()`.
 */
export function instrument(io: Server, options: InstrumentOptions): Instrumentation {
  return new Instrumentation(io, options);
}
