import { createMemoryStore } from '@telltale/shared/store/memory';
import { describe, expect, it } from 'vitest';
import { parseBusinessEvent, publishBusinessEvent } from './business-events.ts';

describe('parseBusinessEvent', () => {
  it('accepts an envelope addressed to rooms or to a user', () => {
    const parsed = parseBusinessEvent(
      JSON.stringify({ event: 'chat:accepted', rooms: ['thread:1'], data: { threadId: '1', by: 'a1' } }),
    );
    expect(parsed).toEqual({
      ok: true,
      envelope: { event: 'chat:accepted', rooms: ['thread:1'], data: { threadId: '1', by: 'a1' } },
    });
    expect(
      parseBusinessEvent(JSON.stringify({ event: 'queue:new', user: 'a1', data: { threadId: '2' } })).ok,
    ).toBe(true);
  });

  it('says what is wrong with a malformed one', () => {
    expect(parseBusinessEvent('nope')).toEqual({ ok: false, reason: 'not JSON' });
    expect(
      parseBusinessEvent(JSON.stringify({ event: 'db:drop', user: 'a1', data: { threadId: '1' } })),
    ).toMatchObject({
      ok: false,
      reason: expect.stringContaining('event'),
    });
    expect(
      parseBusinessEvent(
        JSON.stringify({ event: 'queue:new', rooms: ['some-socket-id'], data: { threadId: '1' } }),
      ),
    ).toMatchObject({ ok: false, reason: expect.stringContaining("'user:<id>'") });
    expect(parseBusinessEvent(JSON.stringify({ event: 'queue:new', data: { threadId: '1' } }))).toMatchObject(
      {
        ok: false,
        reason: expect.stringContaining('needs rooms or user'),
      },
    );
  });
});

describe('publishBusinessEvent', () => {
  it('publishes a valid envelope on the cluster events channel', async () => {
    const store = createMemoryStore();
    const received: string[] = [];
    await store.forCluster('c').subscribeEvents((raw) => received.push(raw));
    await publishBusinessEvent(store, 'c', {
      event: 'thread:message',
      rooms: ['thread:9'],
      data: { threadId: '9' },
    });
    await new Promise((r) => setTimeout(r, 20));
    expect(received.map((raw) => JSON.parse(raw))).toEqual([
      { event: 'thread:message', rooms: ['thread:9'], data: { threadId: '9' } },
    ]);
  });
});
