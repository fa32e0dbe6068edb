import type { CommandResult } from '@telltale/shared';
import { describe, expect, it } from 'vitest';
import { describeResult } from './connections-panel.ts';

const base: CommandResult = {
  commandId: 'c1',
  command: { type: 'disconnect-socket', socketId: 's1' },
  targeted: ['node-a'],
  acked: ['node-a'],
  missing: [],
  affected: 1,
  acks: [{ commandId: 'c1', nodeId: 'node-a', ok: true, affected: 1, at: 1 }],
  complete: true,
  durationMs: 4.2,
};

describe('describeResult', () => {
  it('reports the ack of a disconnected socket', () => {
    expect(describeResult('s1', base)).toEqual({
      tone: 'pass',
      text: 'Socket s1 disconnected by node-a (ack in 4.2 ms).',
    });
  });

  it('reports a partial answer naming the nodes that did not answer', () => {
    const partial = { ...base, targeted: ['node-a', 'node-b'], missing: ['node-b'], complete: false };
    expect(describeResult('s1', partial)).toEqual({
      tone: 'warn',
      text: 'Partial answer after 4.2 ms: acked by node-a, no answer from node-b; 1 socket(s) disconnected.',
    });
  });

  it('says so when the socket was already gone, and when a node failed the command', () => {
    expect(describeResult('s1', { ...base, affected: 0 }).text).toBe(
      'node-a acked in 4.2 ms, but socket s1 was already gone.',
    );
    const failed = { ...base, affected: 0, acks: [{ ...base.acks[0]!, ok: false, error: 'socket busy' }] };
    expect(describeResult('s1', failed)).toEqual({ tone: 'fail', text: 'node-a: socket busy (4.2 ms).' });
  });
});
