/** Where the library reports what an operator should know; defaults to the console. */
export interface InstrumentLogger {
  info(message: string): void;
  warn(message: string): void;
  error(message: string): void;
}

export const consoleLogger: InstrumentLogger = {
  info: (message) => console.info(`[telltale] ${message}`),
  warn: (message) => console.warn(`[telltale] ${message}`),
  error: (message) => console.error(`[telltale] ${message}`),
};

export const silentLogger: InstrumentLogger = { info() {}, warn() {}, error() {} };

export function describeError(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
