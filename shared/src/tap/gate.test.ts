import { describe, expect, it } from 'vitest';
import { TapGate } from './gate.ts';

describe('a tap gate', () => {
  it('lets through at most its cap per second, counting what it refused', () => {
    const gate = new TapGate(1, 10, 0);
    let admitted = 0;
    for (let i = 0; i < 100; i++) if (gate.admit(0)) admitted++;
    expect(admitted).toBe(10);
    expect(gate.takeDropped()).toBe(90);
    expect(gate.takeDropped()).toBe(0);
    // Half a second later, half a second's worth.
    admitted = 0;
    for (let i = 0; i < 100; i++) if (gate.admit(500)) admitted++;
    expect(admitted).toBe(5);
  });

  it('samples before the cap: sampled-out events are not counted as dropped', () => {
    const draws = [0.05, 0.5, 0.09, 0.95];
    const gate = new TapGate(0.1, 100, 0, () => draws.shift() ?? 1);
    expect([gate.admit(0), gate.admit(0), gate.admit(0), gate.admit(0)]).toEqual([true, false, true, false]);
    expect(gate.takeDropped()).toBe(0);
  });
});
