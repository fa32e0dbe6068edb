import { describe, expect, it } from 'vitest';
import { admit, newWindow } from './rate-limit.ts';

describe('admit', () => {
  it('lets the limit through per window, then refuses until the window turns', () => {
    const window = newWindow();
    const limit = { limit: 3, windowMs: 1000 };
    const at = (now: number) => admit(window, limit, now);
    expect([at(10_000), at(10_100), at(10_200), at(10_300), at(10_999)]).toEqual([
      true,
      true,
      true,
      false,
      false,
    ]);
    expect(at(11_000)).toBe(true);
    expect(window.windowCount).toBe(1);
  });
});
