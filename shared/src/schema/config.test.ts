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
