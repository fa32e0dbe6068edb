import { describe, expect, it } from 'vitest';
import { sampleSnapshot } from '../merge/fixtures.ts';
import { nodePulse, PULSE_FIELDS, pulseOf, readPulse } from './pulse.ts';

describe('the pulse', () => {
  it('reads back what a snapshot gives, field for field', () => {
    const snapshot = sampleSnapshot({ counters: { refusedConnections: { maintenance: 2, draining: 1 } } });
    const read = readPulse(JSON.stringify(pulseOf(snapshot)));
    expect(read).toEqual(nodePulse(snapshot));
    expect(pulseOf(snapshot)).toHaveLength(PULSE_FIELDS.length);
    expect('error' in read ? read.error : read.refused).toBe(3);
  });

  it('stays a few hundred bytes whatever the node holds', () => {
    const labels = Object.fromEntries(Array.from({ length: 100 }, (_, i) => [`type-${i}`, i]));
    const busy = sampleSnapshot({
      counters: { eventsInByType: labels, disconnectReasons: labels },
      latencyMs: Array.from({ length: 5000 }, (_, i) => 0.01 * 1.01 ** (i % 1500)),
    });
    expect(JSON.stringify(busy).length).toBeGreaterThan(6000);
    expect(JSON.stringify(pulseOf(busy)).length).toBeLessThan(400);
  });

  it('names what is wrong with a bad pulse, and an old node by its version', () => {
    const good = pulseOf(sampleSnapshot());
    const bad = [...good];
    bad[9] = -1;
    bad[5] = 'sleeping';
    expect(readPulse(JSON.stringify(bad))).toEqual({
      error: expect.stringMatching(
        /mode: expected one of starting.*connections: expected a count, received -1/,
      ),
    });
    expect(readPulse(JSON.stringify([1, ...good.slice(1)]))).toEqual({
      error: expect.stringMatching(/snapshot version 1 is not supported/),
    });
    expect(readPulse('{"v":2}')).toEqual({ error: 'pulse is not an array' });
    expect(readPulse('[2')).toEqual({ error: expect.stringMatching(/^pulse is not valid JSON/) });
    expect(readPulse(JSON.stringify(good.slice(0, 10)))).toEqual({
      error: `pulse has 10 fields, not ${PULSE_FIELDS.length}`,
    });
  });
});
