import { describe, expect, it } from 'vitest';
import type { InstrumentLogger } from './log.ts';
import { checkIds, defaultNodeId, guardIdentify } from './options.ts';

function recordingLog(): InstrumentLogger & { lines: string[] } {
  const lines: string[] = [];
  return { lines, info: (m) => lines.push(m), warn: (m) => lines.push(m), error: (m) => lines.push(m) };
}

describe('checkIds', () => {
  it('gives a missing or empty nodeId <hostname>-<pid> and says so once', () => {
    const log = recordingLog();
    expect(checkIds({ cluster: 'prod', nodeId: undefined }, log).nodeId).toBe(defaultNodeId());
    expect(checkIds({ cluster: 'prod', nodeId: '' }, log).nodeId).toMatch(new RegExp(`-${process.pid}$`));
    expect(log.lines).toHaveLength(2);
    expect(log.lines[0]).toContain('no nodeId given');
  });

  it('refuses ids that cannot be key names, naming the option and the value', () => {
    const log = recordingLog();
    expect(() => checkIds({ cluster: 'prod', nodeId: 'node 1' }, log)).toThrow(
      'instrument(): nodeId may only contain letters, digits, . _ and - (1-100 chars): got "node 1"',
    );
    expect(() => checkIds({ cluster: undefined, nodeId: 'n1' }, log)).toThrow(/cluster/);
    expect(() => checkIds({ cluster: 'c', nodeId: 'n1', flushIntervalMs: 10 }, log)).toThrow(
      'flushIntervalMs must be at least 100 ms',
    );
  });
});

describe('guardIdentify', () => {
  it('turns numbers into strings and undefined into null, logging each kind of problem once', () => {
    const log = recordingLog();
    let problems = 0;
    const identify = guardIdentify(
      (n: number) => ({ userId: n }),
      log,
      () => problems++,
    );
    expect(identify(42)).toEqual({ userId: '42', role: null });
    expect(identify(43)).toEqual({ userId: '43', role: null });
    expect(problems).toBe(2);
    expect(log.lines).toEqual([
      "instrument(): identify returned a number userId; used it as the string '42' (logged once)",
    ]);
  });

  it('keeps a throwing identify from crashing: the socket is anonymous, the error logged and counted', () => {
    const log = recordingLog();
    let problems = 0;
    const identify = guardIdentify(
      () => {
        throw new Error('no session');
      },
      log,
      () => problems++,
    );
    expect(identify({})).toEqual({ userId: null, role: null });
    expect(problems).toBe(1);
    expect(log.lines[0]).toContain('threw, so the socket is anonymous: no session');
  });

  it('treats a non-object answer as anonymous and cuts over-long ids', () => {
    const log = recordingLog();
    const identify = guardIdentify(
      (value: unknown) => value,
      log,
      () => {},
    );
    expect(identify(undefined)).toEqual({ userId: null, role: null });
    expect(identify({ userId: 'u'.repeat(300), role: 'admin' })).toEqual({
      userId: 'u'.repeat(200),
      role: 'admin',
    });
    expect(identify({ userId: { id: 1 } })).toEqual({ userId: null, role: null });
  });
});
