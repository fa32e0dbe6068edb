import { describe, expect, it } from 'vitest';
import { ConfigError, EdgeConfig, parseConfig } from './config.ts';

describe('EdgeConfig admin rate limits', () => {
  it('reads <burst>/<per second> into a token bucket, and leaves them unset by default', () => {
    const config = parseConfig(EdgeConfig, { ADMIN_RATE_LIMIT: '20/5', ADMIN_CLIENT_RATE_LIMIT: '100/0.5' });
    expect(config.ADMIN_RATE_LIMIT).toEqual({ capacity: 20, refillPerSecond: 5 });
    expect(config.ADMIN_CLIENT_RATE_LIMIT).toEqual({ capacity: 100, refillPerSecond: 0.5 });
    expect(parseConfig(EdgeConfig, {}).ADMIN_CLIENT_RATE_LIMIT).toBeUndefined();
  });

  it('refuses anything else with a message that shows the format', () => {
    expect(() => parseConfig(EdgeConfig, { ADMIN_CLIENT_RATE_LIMIT: '40' })).toThrow(ConfigError);
    expect(() => parseConfig(EdgeConfig, { ADMIN_RATE_LIMIT: '0/5' })).toThrow(
      'ADMIN_RATE_LIMIT needs a burst of at least 1 and a refill above 0',
    );
    expect(() => parseConfig(EdgeConfig, { ADMIN_CLIENT_RATE_LIMIT: 'lots' })).toThrow(
      "ADMIN_CLIENT_RATE_LIMIT must be <burst>/<per second>, e.g. 20/5: got 'lots'",
    );
  });
});

describe('EdgeConfig SLO', () => {
  it('defaults to 99.9 % over 30 days and reads a target and a window in days or hours', () => {
    expect(parseConfig(EdgeConfig, {})).toMatchObject({ SLO_TARGET: 0.999, SLO_WINDOW: 2_592_000_000 });
    const config = parseConfig(EdgeConfig, { SLO_TARGET: '0.9995', SLO_WINDOW: '7d' });
    expect(config).toMatchObject({ SLO_TARGET: 0.9995, SLO_WINDOW: 604_800_000 });
    expect(parseConfig(EdgeConfig, { SLO_WINDOW: '12h' }).SLO_WINDOW).toBe(43_200_000);
  });

  it('refuses targets without a budget and windows the series cannot hold, saying the range', () => {
    expect(() => parseConfig(EdgeConfig, { SLO_TARGET: '1' })).toThrow(
      "SLO_TARGET must be a fraction from 0.5 to 0.99999 (e.g. 0.999): got '1'",
    );
    expect(() => parseConfig(EdgeConfig, { SLO_TARGET: '99.9' })).toThrow(ConfigError);
    expect(() => parseConfig(EdgeConfig, { SLO_WINDOW: '91d' })).toThrow(
      "SLO_WINDOW must be <days>d or <hours>h, from 1h to 90d (e.g. 30d): got '91d'",
    );
    expect(() => parseConfig(EdgeConfig, { SLO_WINDOW: '30 days' })).toThrow(ConfigError);
  });
});
