import { describe, expect, it } from 'vitest';
import { formatAge, formatBytes, formatCount, formatDuration, formatMs, formatRate } from './format.ts';

describe('dashboard formatting', () => {
  it('keeps counts exact below 10 000 so they can be compared with /metrics', () => {
    expect(formatCount(0)).toBe('0');
    expect(formatCount(9999)).toBe('9999');
    expect(formatCount(12_345)).toBe('12.3k');
    expect(formatCount(2_000_000)).toBe('2M');
    expect(formatCount(null)).toBe('–');
  });

  it('formats rates, latencies and sizes with units', () => {
    expect(formatRate(0.5)).toBe('0.5/s');
    expect(formatRate(123.4)).toBe('123/s');
    expect(formatRate(12, '/min')).toBe('12/min');
    expect(formatMs(0.123)).toBe('0.12 ms');
    expect(formatMs(0.004)).toBe('< 0.01 ms');
    expect(formatMs(0)).toBe('0 ms');
    expect(formatMs(2.5)).toBe('2.5 ms');
    expect(formatMs(250.4)).toBe('250 ms');
    expect(formatMs(12_500)).toBe('12.5 s');
    expect(formatBytes(512)).toBe('512 B');
    expect(formatBytes(48 * 1024 * 1024)).toBe('48 MiB');
    expect(formatBytes(undefined)).toBe('–');
  });

  it('shows durations and ages by their two largest units', () => {
    expect(formatDuration(0)).toBe('0s');
    expect(formatDuration(59)).toBe('59s');
    expect(formatDuration(3 * 3600 + 5 * 60 + 7)).toBe('3h 5m');
    expect(formatDuration(2 * 86_400 + 30)).toBe('2d');
    const now = 1_700_000_000_000;
    expect(formatAge(now - 500, now)).toBe('just now');
    expect(formatAge(now - 12_000, now)).toBe('12 s ago');
    expect(formatAge(now - 5 * 60_000, now)).toBe('5 min ago');
    expect(formatAge(null, now)).toBe('–');
  });
});
