import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { LoadGenerator } from './processes.ts';
import { cpuPlan, pinSelf } from './settings.ts';

describe('cpuPlan', () => {
  it('pins servers and load apart by default when there are two CPUs and taskset', () => {
    expect(cpuPlan(2, true, undefined)).toEqual({ server: '0', load: '1' });
    expect(cpuPlan(8, true, '')).toEqual({ server: '0', load: '1' });
  });

  it('leaves both unpinned by default on one CPU or without taskset, and when told to', () => {
    expect(cpuPlan(1, true, undefined)).toEqual({ server: null, load: null });
    expect(cpuPlan(2, false, undefined)).toEqual({ server: null, load: null });
    expect(cpuPlan(2, true, '0')).toEqual({ server: null, load: null });
  });

  it('refuses an explicit BENCH_PIN=1 it cannot honour, rather than measure something else', () => {
    expect(() => cpuPlan(1, true, '1')).toThrow(/needs 2 CPUs/);
    expect(() => cpuPlan(2, false, '1')).toThrow(/taskset/);
  });
});

describe('a pinned child process', () => {
  it('runs node itself (same pid) on the CPU it was given', async () => {
    const load = await LoadGenerator.start('load:pinned', '1');
    try {
      expect(load.child.info.pid).toBe(load.child.process.pid);
      const status = readFileSync(`/proc/${load.child.info.pid}/status`, 'utf8');
      expect(status).toMatch(/^Cpus_allowed_list:\s+1$/m);
    } finally {
      await load.stop();
    }
  }, 30_000);
});

describe('pinSelf', () => {
  const allowed = () => /^Cpus_allowed_list:\s+(\S+)$/m.exec(readFileSync('/proc/self/status', 'utf8'))?.[1];

  it('pins this process to the CPUs given, then puts its affinity back', () => {
    const before = allowed();
    const restore = pinSelf('1');
    try {
      expect(allowed()).toBe('1');
    } finally {
      restore();
    }
    expect(allowed()).toBe(before);
  });

  it('does nothing without CPUs to pin to', () => {
    const before = allowed();
    pinSelf(null)();
    expect(allowed()).toBe(before);
  });
});
