import { describe, expect, it } from 'vitest';
import { LIVE_PROTOCOL, liveProtocols, offersLiveProtocol, tokenFromProtocols } from './ws-protocol.ts';

describe('the live feed subprotocols', () => {
  it('carry a token the edge reads back, in characters a subprotocol may hold', () => {
    const token = 'adm+/in=tok én-42';
    const offers = liveProtocols(token);
    expect(offers[0]).toBe('telltale-live');
    expect(offers[1]).toMatch(/^telltale-auth\.[\w-]+$/);
    expect(tokenFromProtocols(offers.join(', '))).toBe(token);
  });

  it('carry no token when none is offered, or one that is not base64url', () => {
    expect(tokenFromProtocols(undefined)).toBeNull();
    expect(tokenFromProtocols('telltale-live')).toBeNull();
    expect(tokenFromProtocols('telltale-live, telltale-auth.')).toBeNull();
    expect(tokenFromProtocols('telltale-auth.a$b')).toBeNull();
    expect(tokenFromProtocols(`telltale-auth.${'a'.repeat(6000)}`)).toBeNull();
  });

  it('say whether the live protocol was offered', () => {
    expect(offersLiveProtocol(`${LIVE_PROTOCOL}, telltale-auth.eA`)).toBe(true);
    expect(offersLiveProtocol('chat')).toBe(false);
    expect(offersLiveProtocol(undefined)).toBe(false);
  });
});
