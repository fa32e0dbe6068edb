import { describe, expect, it } from 'vitest';
import { ProcessStats } from './process-stats.ts';

/** Blocks the loop until `ms` of wall time AND of CPU time have passed (a loaded machine may preempt us). */
function busy(ms: number): void {
  const wallUntil = performance.now() + ms;
  const cpuFrom = process.cpuUsage();
  const cpuMs = () => {
    const used = process.cpuUsage(cpuFrom);
    return (used.user + used.system) / 1000;
  };
  while (performance.now() < wallUntil || cpuMs() < ms) {}
}

describe('ProcessStats', () => {
  it('sees CPU burnt and the event loop blocked during the interval, then starts over', async () => {
    const stats = new ProcessStats(Date.now() - 5000);
    await new Promise((r) => setTimeout(r, 50));
    busy(150);
    await new Promise((r) => setTimeout(r, 30));
    const first = stats.sample(true, { connected: true, latencyMs: 1 });
    expect(first.uptimeSec).toBeGreaterThanOrEqual(5);
    expect(first.cpuPercent).toBeGreaterThan(10);
    expect(first.eventLoop.maxMs).toBeGreaterThan(100);
    expect(first.memory.heapUsed).toBeGreaterThan(0);
    expect(first.redis).toEqual({ connected: true, latencyMs: 1 });

    await new Promise((r) => setTimeout(r, 120));
    const second = stats.sample(true, { connected: false, latencyMs: null });
    expect(second.eventLoop.maxMs).toBeLessThan(100);
    expect(second.cpuPercent).toBeLessThan(first.cpuPercent);
    stats.stop();
  });
});
