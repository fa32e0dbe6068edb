import { describe, expect, it } from 'vitest';
import { eventPattern, tapMatcher } from './matcher.ts';

const subject = {
  namespace: '/portal',
  event: 'chat:message',
  socketId: 's1',
  userId: 'u1',
  rooms: new Set(['s1', 'thread:7']),
};

describe('tap filters', () => {
  it('match every event when empty, and only events matching every field set', () => {
    expect(tapMatcher({})(subject)).toBe(true);
    expect(
      tapMatcher({ namespace: '/portal', room: 'thread:7', userId: 'u1', socketId: 's1' })(subject),
    ).toBe(true);
    expect(tapMatcher({ namespace: '/hub' })(subject)).toBe(false);
    expect(tapMatcher({ room: 'thread:8' })(subject)).toBe(false);
    expect(tapMatcher({ userId: 'u2' })(subject)).toBe(false);
    expect(tapMatcher({ socketId: 's2' })(subject)).toBe(false);
    expect(tapMatcher({ event: 'chat:*', namespace: '/hub' })(subject)).toBe(false);
  });

  it('read * in an event pattern as any run of characters, and nothing else as special', () => {
    expect(eventPattern('chat:*')('chat:message')).toBe(true);
    expect(eventPattern('chat:*')('chat:')).toBe(true);
    expect(eventPattern('chat:*')('xchat:message')).toBe(false);
    expect(eventPattern('*typing*')('thread:typing:start')).toBe(true);
    expect(eventPattern('a.b')('a.b')).toBe(true);
    expect(eventPattern('a.b')('axb')).toBe(false);
    expect(eventPattern('a.*')('axb')).toBe(false);
    expect(eventPattern('heartbeat')('heartbeat2')).toBe(false);
  });
});
