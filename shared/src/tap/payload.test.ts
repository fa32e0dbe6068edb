import { describe, expect, it } from 'vitest';
import { argumentBytes, payloadPolicy, payloadPreview } from './payload.ts';

describe('tap payloads', () => {
  it('redact credentials by key at any depth, and the keys the app names', () => {
    const policy = payloadPolicy({ payloadBytes: 1000, redactKeys: ['Email'] });
    const { payload, truncated } = payloadPreview(
      [{ text: 'hi', password: 'p', auth: { accessToken: 't', Authorization: 'Bearer x' }, email: 'a@b' }],
      policy,
    );
    expect(JSON.parse(payload)).toEqual([
      {
        text: 'hi',
        password: '[redacted]',
        auth: { accessToken: '[redacted]', Authorization: '[redacted]' },
        email: '[redacted]',
      },
    ]);
    expect(truncated).toBe(false);
  });

  it('cut at the byte limit with …, never inside a character', () => {
    const policy = payloadPolicy({ payloadBytes: 10 });
    expect(payloadPreview(['abcdefghijklmnop'], policy)).toEqual({ payload: '["abcdefgh…', truncated: true });
    expect(payloadPreview(['ééééé'], policy)).toEqual({ payload: '["éééé…', truncated: true });
  });

  it('refuse a payload limit past the bound', () => {
    expect(() => payloadPolicy({ payloadBytes: 5000 })).toThrow(
      /tap.payloadBytes must be an integer from 1 to 4096: got 5000/,
    );
  });

  it('size arguments as JSON, binary by its bytes', () => {
    expect(argumentBytes(['hi', 1])).toBe(8);
    expect(argumentBytes([Buffer.alloc(100)])).toBe(3 + 100);
    expect(argumentBytes(['é'])).toBe(6);
  });
});
