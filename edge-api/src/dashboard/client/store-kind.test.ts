import { describe, expect, it } from 'vitest';
import { storeKindOf } from './store-kind.ts';

describe('storeKindOf', () => {
  it('reads the store from the readiness check key, passing or failing', () => {
    expect(storeKindOf({ status: 'pass', checks: { 'memory:responseTime': [{ status: 'pass' }] } })).toBe(
      'memory',
    );
    expect(storeKindOf({ status: 'fail', checks: { 'ioredis:responseTime': [{ status: 'fail' }] } })).toBe(
      'ioredis',
    );
    expect(storeKindOf({ checks: { 'upstash:responseTime': [] } })).toBe('upstash');
  });

  it('is null for anything else', () => {
    expect(storeKindOf({ checks: { 'mystery:responseTime': [] } })).toBeNull();
    expect(storeKindOf({ status: 'pass' })).toBeNull();
    expect(storeKindOf('memory')).toBeNull();
  });
});
