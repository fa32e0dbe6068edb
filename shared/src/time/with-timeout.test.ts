import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { withTimeout } from './with-timeout.ts';

describe('withTimeout', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('answers with the value when the promise settles in time, and leaves no timer behind', async () => {
    const answer = withTimeout(Promise.resolve(42), 1000);
    await expect(answer).resolves.toBe(42);
    expect(vi.getTimerCount()).toBe(0);
  });

  it("passes the promise's own rejection through", async () => {
    const answer = withTimeout(Promise.reject(new Error('connection refused')), 1000);
    await expect(answer).rejects.toThrow('connection refused');
    expect(vi.getTimerCount()).toBe(0);
  });

  it('rejects with the default message at the deadline, not a millisecond before', async () => {
    const answer = withTimeout(new Promise<never>(() => {}), 250);
    const outcome = answer.then(
      () => 'resolved',
      (error: Error) => error.message,
    );
    await vi.advanceTimersByTimeAsync(249);
    expect(vi.getTimerCount()).toBe(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(await outcome).toBe('no answer within 250 ms');
  });

  it('rejects with the message it is given', async () => {
    const answer = withTimeout(new Promise<never>(() => {}), 10, 'flush timed out');
    const expectation = expect(answer).rejects.toThrow(/^flush timed out$/);
    await vi.advanceTimersByTimeAsync(10);
    await expectation;
  });

  it('ignores a late answer once the deadline passed', async () => {
    let settle: (value: string) => void = () => {};
    const late = new Promise<string>((resolve) => {
      settle = resolve;
    });
    const answer = withTimeout(late, 100);
    const expectation = expect(answer).rejects.toThrow('no answer within 100 ms');
    await vi.advanceTimersByTimeAsync(100);
    settle('too late');
    await expectation;
  });

  it('leaves a late rejection handled, so the process sees no unhandled rejection', async () => {
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown) => unhandled.push(reason);
    process.on('unhandledRejection', onUnhandled);
    vi.useRealTimers();
    try {
      let fail: (error: Error) => void = () => {};
      const late = new Promise<never>((_, reject) => {
        fail = reject;
      });
      await expect(withTimeout(late, 1)).rejects.toThrow('no answer within 1 ms');
      fail(new Error('store closed'));
      // Node reports unhandled rejections once the microtask queue drains, before the next macrotask.
      await new Promise<void>((resolve) => setImmediate(resolve));
      expect(unhandled).toEqual([]);
    } finally {
      process.off('unhandledRejection', onUnhandled);
    }
  });
});
