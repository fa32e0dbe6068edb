import type { SocketNodeSettings } from '../../src/config.ts';
import { TEST_SECRET } from './clients.ts';

let counter = 0;

/** Settings for a node in a test: free port, loopback, fast presence timings, the test secret. */
export function testSettings(overrides: Partial<SocketNodeSettings> = {}): SocketNodeSettings {
  counter++;
  return {
    port: 0,
    host: '127.0.0.1',
    nodeId: `test-node-${process.pid}-${counter}`,
    cluster: 'test',
    flushIntervalMs: 60_000,
    shutdownTimeoutMs: 5000,
    jwt: { kind: 'secret', secret: TEST_SECRET },
    presence: { heartbeatMs: 5000, graceMs: 300, ttlMs: 30_000 },
    version: 'test',
    ...overrides,
  };
}
