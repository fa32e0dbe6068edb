import { describe, expect, it } from 'vitest';
import { ConnectionBytes } from './connection-bytes.ts';
import { SocketInspector } from './socket-detail.ts';

const inspector = (options: { inspect?: unknown; trustedProxies?: unknown }) =>
  new SocketInspector(options, new ConnectionBytes());

describe('SocketInspector options', () => {
  it('refuses inspect keys that name credentials, saying which and why', () => {
    for (const key of ['token', 'accessToken', 'authorization', 'Cookie', 'password', 'apiKey', 'session']) {
      expect(() => inspector({ inspect: { auth: [key] } })).toThrow(
        new RegExp(`inspect\\.auth may not show '${key}': it names a credential`),
      );
    }
    expect(() => inspector({ inspect: { data: ['jwtSecret'] } })).toThrow(/inspect\.data may not show/);
  });

  it('bounds the key lists and refuses what is not an IP address as a proxy', () => {
    expect(() => inspector({ inspect: { data: Array.from({ length: 21 }, (_, i) => `k${i}`) } })).toThrow(
      'instrument(): inspect.data lists at most 20 keys',
    );
    expect(() => inspector({ inspect: { data: ['x'.repeat(65)] } })).toThrow('at most 64 characters');
    expect(() => inspector({ trustedProxies: ['10.0.0.0/8'] })).toThrow(
      'instrument(): trustedProxies must be IP addresses: got "10.0.0.0/8"',
    );
    expect(() => inspector({ trustedProxies: '10.0.0.1' })).toThrow('must be an array of IP addresses');
  });

  it('accepts plain keys and addresses, and nothing at all', () => {
    expect(() => inspector({})).not.toThrow();
    expect(() =>
      inspector({ inspect: { data: ['plan'], auth: ['device'] }, trustedProxies: ['10.0.0.1', '::1'] }),
    ).not.toThrow();
  });
});
