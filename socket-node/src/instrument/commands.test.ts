import { describe, expect, it } from 'vitest';
import { parseCommand } from './commands.ts';

const host = { nodeId: 'node-a', cluster: 'prod' };
const envelope = (overrides: Record<string, unknown>) =>
  JSON.stringify({
    id: 'c1',
    cluster: 'prod',
    target: '*',
    actor: 'ops',
    issuedAt: 1,
    expiresAt: 2001,
    command: { type: 'disconnect-user', userId: 'u1' },
    ...overrides,
  });

describe('parseCommand', () => {
  it('accepts a command for every node or for this one', () => {
    expect(parseCommand(envelope({}), host)).toMatchObject({ kind: 'command', envelope: { id: 'c1' } });
    expect(parseCommand(envelope({ target: 'node-a' }), host).kind).toBe('command');
  });

  it('ignores, without rejecting, a command for another node or cluster', () => {
    expect(parseCommand(envelope({ target: 'node-b' }), host)).toEqual({ kind: 'not-for-us' });
    expect(parseCommand(envelope({ cluster: 'staging' }), host)).toEqual({ kind: 'not-for-us' });
  });

  it('rejects what is not a valid command, saying why', () => {
    expect(parseCommand('{', host)).toEqual({ kind: 'rejected', reason: 'not JSON' });
    const unknown = parseCommand(envelope({ command: { type: 'reboot' } }), host);
    expect(unknown).toMatchObject({ kind: 'rejected', reason: expect.stringContaining('command.type') });
    const badId = parseCommand(envelope({ command: { type: 'disconnect-socket', socketId: 'a b' } }), host);
    expect(badId).toMatchObject({ kind: 'rejected', reason: expect.stringContaining('command.socketId') });
  });

  it('rejects an envelope without an expiry, or valid for longer than the edge ever waits', () => {
    expect(parseCommand(envelope({ expiresAt: undefined }), host)).toMatchObject({
      kind: 'rejected',
      reason: expect.stringContaining('expiresAt'),
    });
    expect(parseCommand(envelope({ expiresAt: 60_002 }), host)).toEqual({
      kind: 'rejected',
      reason: 'expiresAt: must be after issuedAt, by at most 60000 ms',
    });
    expect(parseCommand(envelope({ expiresAt: 1 }), host)).toMatchObject({ kind: 'rejected' });
  });
});
