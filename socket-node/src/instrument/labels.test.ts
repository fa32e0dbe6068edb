import { describe, expect, it } from 'vitest';
import { CappedCounter, OVERFLOW_LABEL } from './labels.ts';

describe('CappedCounter', () => {
  it('counts per label', () => {
    const counter = new CappedCounter(10);
    counter.add('join:thread');
    counter.add('join:thread');
    counter.add('heartbeat', 3);
    expect(counter.toRecord()).toEqual({ 'join:thread': 2, heartbeat: 3 });
  });

  it('sends labels past the cap to other, keeping earlier labels exact', () => {
    const counter = new CappedCounter(3);
    for (let i = 0; i < 100; i++) counter.add(`made-up-${i}`);
    counter.add('made-up-0');
    const record = counter.toRecord();
    expect(Object.keys(record)).toHaveLength(4);
    expect(record['made-up-0']).toBe(2);
    expect(record[OVERFLOW_LABEL]).toBe(97);
    expect(Object.values(record).reduce((a, b) => a + b, 0)).toBe(101);
  });

  it('keeps counting a label named other', () => {
    const counter = new CappedCounter(1);
    counter.add(OVERFLOW_LABEL);
    counter.add('x');
    expect(counter.toRecord()).toEqual({ [OVERFLOW_LABEL]: 2 });
  });
});

describe('CappedCounter with labels clients invent', () => {
  it('counts a label over 64 characters or with control characters as other, even below the cap', () => {
    const counter = new CappedCounter(50);
    for (let i = 0; i < 10; i++) counter.add(`${'x'.repeat(500_000)}${i}`);
    counter.add('bell\u0007');
    counter.add('e'.repeat(64));
    expect(counter.toRecord()).toEqual({ [OVERFLOW_LABEL]: 11, ['e'.repeat(64)]: 1 });
  });
});
