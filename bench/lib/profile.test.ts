import { describe, expect, it } from 'vitest';
import { profileShares } from './profile.ts';

const frame = (id: number, functionName: string, url: string) => ({
  id,
  callFrame: { functionName, url, lineNumber: 9 },
});

describe('profileShares', () => {
  it('splits busy self time by script and leaves idle out', () => {
    const profile = {
      nodes: [
        frame(1, '(idle)', ''),
        frame(2, 'dispatch', 'file:///work/main/socket-node/src/instrument/socket-hooks.ts'),
        frame(3, 'encode', 'file:///x/node_modules/socket.io-parser/build/cjs/index.js'),
      ],
      samples: [1, 2, 3, 3, 3, 1],
      timeDeltas: [5000, 1000, 1000, 1000, 1000, 5000],
    };
    const result = profileShares(profile, {
      instrument: /socket-node\/src\/instrument/,
      parser: /socket\.io-parser/,
    });
    expect(result.busyMs).toBe(4);
    expect(result.shares).toEqual({ instrument: 25, parser: 75 });
    expect(result.top.instrument).toEqual(['dispatch socket-node/src/instrument/socket-hooks.ts:10 25.00 %']);
  });

  it('rejects something that is not a CPU profile', () => {
    expect(() => profileShares({ nodes: 'nope' }, {})).toThrow();
  });
});
