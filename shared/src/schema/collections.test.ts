import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { sampleSnapshot } from '../merge/fixtures.ts';
import { countRecord, roomTriples, stringList } from './collections.ts';
import { NodePresence, NodeSnapshot } from './snapshot.ts';

// The per-element schemas these loops replaced: what they accepted is the contract.
const count = z.number().int().nonnegative();
const reference = {
  stringList: z.array(z.string()),
  countRecord: z.record(z.string(), count),
  roomTriples: z.array(z.tuple([z.string().max(3), z.string().max(6), count])).max(2),
};

const samples: unknown[] = [
  undefined,
  null,
  0,
  'text',
  true,
  {},
  [],
  ['a', 'b'],
  ['a', 1],
  [null],
  [['room', 1]],
  [
    ['room', 0],
    ['other', 12],
  ],
  [['room', -1]],
  [['room', 1.5]],
  [['room', 2 ** 53]],
  [['room', Number.NaN]],
  [['room', Number.POSITIVE_INFINITY]],
  [['room']],
  [['room', 1, 2]],
  [['/', 'room', 2]],
  [['/', 'room', -2]],
  [['/', 'room', 2, 3]],
  [['/', 'room']],
  [['/long', 'room', 2]],
  [['/', 'a-long-room', 2]],
  [['/', 7, 2]],
  [
    ['/', 'a', 1],
    ['/', 'b', 2],
  ],
  [
    ['/', 'a', 1],
    ['/', 'b', 2],
    ['/', 'c', 3],
  ],
  [[1, 1]],
  [{ 0: 'room', 1: 1 }],
  [['room', '1']],
  { a: 1, b: 0 },
  { a: -1 },
  { a: 1.5 },
  { a: '1' },
  { a: null },
  { constructor: 3, toString: 1 },
  JSON.parse('{"__proto__": 5, "a": 1}'),
  JSON.parse('{"__proto__": "not a count", "a": 1}'),
  { [Symbol('s')]: 1 },
  new Map([['a', 1]]),
  new Date(0),
  Object.assign(Object.create(null), { a: 1 }),
];

describe.each([
  ['stringList', stringList(), reference.stringList],
  ['countRecord', countRecord(), reference.countRecord],
  ['roomTriples', roomTriples(2, 3, 6), reference.roomTriples],
] as const)('%s', (_name, looped, perElement) => {
  it.each(samples.map((s, i) => [i, s]))(
    'accepts and returns what the per-element schema does (sample %i)',
    (_i, sample) => {
      const expected = perElement.safeParse(sample);
      const actual = looped.safeParse(sample);
      expect(actual.success).toBe(expected.success);
      if (expected.success) expect(actual.data).toEqual(expected.data);
    },
  );
});

describe('countRecord', () => {
  it('drops an own __proto__ key as zod records do, leaving the prototype alone', () => {
    const parsed = countRecord().parse(JSON.parse('{"__proto__": 5, "a": 1}'));
    expect(Object.keys(parsed)).toEqual(['a']);
    expect(Object.getPrototypeOf(parsed)).toBe(Object.prototype);
  });
});

describe('NodeSnapshot rejections in the looped fields', () => {
  /** The issues of a sample snapshot with each `path` (dotted) set to its value, or deleted for undefined. */
  const issues = (...edits: [path: string, value: unknown][]) => {
    const json: Record<string, unknown> = JSON.parse(JSON.stringify(sampleSnapshot()));
    for (const [path, value] of edits) {
      const keys = path.split('.');
      const last = keys.pop()!;
      const parent = keys.reduce((at, key) => at[key] as Record<string, unknown>, json);
      if (value === undefined) delete parent[last];
      else parent[last] = value;
    }
    const result = NodeSnapshot.safeParse(json);
    expect(result.success).toBe(false);
    return result.error!.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
  };

  it('names the bad room tuple of the top list', () => {
    expect(
      issues([
        'rooms.top',
        [
          ['/', 'thread:1', 2],
          ['/', 'user:u1', -2],
          ['/', 7, 1],
        ],
      ]),
    ).toEqual([
      'rooms.top.1.2: expected a non-negative integer, received -2',
      'rooms.top.2.1: expected a string, received 7',
    ]);
  });

  it('names the bad presence entry of a presence callback', () => {
    const result = NodePresence.safeParse({ online: ['u1', 42], away: 'u2', staleClients: 0 });
    expect(result.error?.issues.map((i) => `${i.path.join('.')}: ${i.message}`)).toEqual([
      'online.1: expected a string, received 42',
      'away: expected an array of strings, received "u2"',
    ]);
  });

  it('names the bad count in every record map', () => {
    expect(
      issues(
        ['counters.eventsInByType', { heartbeat: 3, 'thread:message': 1.5 }],
        ['counters.disconnectReasons', ['transport close']],
        ['gauges.byNamespace', { '/hub': -1 }],
        ['gauges.byTransport', null],
        ['rooms.byPrefix', { thread: '2' }],
      ),
    ).toEqual([
      'gauges.byNamespace./hub: expected a non-negative integer, received -1',
      'gauges.byTransport: expected an object of counts, received null',
      'counters.disconnectReasons: expected an object of counts, received array',
      'counters.eventsInByType.thread:message: expected a non-negative integer, received 1.5',
      'rooms.byPrefix.thread: expected a non-negative integer, received "2"',
    ]);
  });

  it('still accepts a realistic snapshot unchanged', () => {
    const snapshot = sampleSnapshot();
    expect(NodeSnapshot.parse(JSON.parse(JSON.stringify(snapshot)))).toEqual(snapshot);
  });
});
