import type { RateLimit } from '@telltale/shared';

/** One fixed window of a rate limit: events counted since `windowStart`. */
export interface RateWindow {
  windowStart: number;
  windowCount: number;
}

export function newWindow(): RateWindow {
  return { windowStart: 0, windowCount: 0 };
}

/**
 * Counts one event into the window and says whether it stays within the limit. Fixed windows keep
 * the hot path to two integer writes; a burst at a window edge can reach twice the limit, which is
 * acceptable for abuse control.
 */
export function admit(window: RateWindow, limit: RateLimit, now: number): boolean {
  if (now - window.windowStart >= limit.windowMs) {
    window.windowStart = now;
    window.windowCount = 0;
  }
  window.windowCount++;
  return window.windowCount <= limit.limit;
}
