import { type IntervalHistogram, monitorEventLoopDelay } from 'node:perf_hooks';
import type { NodeInfrastructure } from '@telltale/shared';

const NS_PER_MS = 1e6;

/**
 * Process health between two samples: CPU as percent of one core over the interval, event-loop
 * delay from a libuv-timer histogram. `sample(true)` starts a new interval (the flush does that).
 */
export class ProcessStats {
  private readonly loop: IntervalHistogram;
  private cpuMark = process.cpuUsage();
  private wallMark = performance.now();

  constructor(private readonly startedAt: number) {
    this.loop = monitorEventLoopDelay({ resolution: 10 });
    this.loop.enable();
  }

  sample(rotate: boolean, redis: NodeInfrastructure['redis'], now: number = Date.now()): NodeInfrastructure {
    const cpu = process.cpuUsage(this.cpuMark);
    const wall = performance.now();
    const elapsedMs = Math.max(wall - this.wallMark, 1);
    const cpuPercent = ((cpu.user + cpu.system) / 1000 / elapsedMs) * 100;
    const memory = process.memoryUsage();
    const loop = this.loop;
    const hasSamples = loop.count > 0;
    const eventLoop = {
      meanMs: hasSamples ? round(loop.mean / NS_PER_MS) : 0,
      p50Ms: hasSamples ? round(loop.percentile(50) / NS_PER_MS) : 0,
      p99Ms: hasSamples ? round(loop.percentile(99) / NS_PER_MS) : 0,
      maxMs: hasSamples ? round(loop.max / NS_PER_MS) : 0,
    };
    if (rotate) {
      this.cpuMark = process.cpuUsage();
      this.wallMark = wall;
      loop.reset();
    }
    return {
      uptimeSec: Math.max(0, (now - this.startedAt) / 1000),
      memory: {
        rss: memory.rss,
        heapUsed: memory.heapUsed,
        heapTotal: memory.heapTotal,
        external: memory.external,
      },
      cpuPercent: round(cpuPercent),
      eventLoop,
      redis,
    };
  }

  stop(): void {
    this.loop.disable();
  }
}

function round(value: number): number {
  return Math.round(value * 100) / 100;
}
