import { describe, expect, it } from 'vitest';
import { clusterKeys } from './index.ts';

describe('clusterKeys', () => {
  it('puts every key of a cluster under one hash tag', () => {
    const k = clusterKeys('prod-eu');
    const all = [
      k.nodes,
      k.node('n1'),
      k.nodeSockets('n1'),
      k.nodeCommands('n1'),
      k.ack('c1'),
      k.acks,
      k.audit,
      k.alerts,
      k.events,
      k.presence('u1'),
    ];
    for (const key of all) expect(key.startsWith('telltale:{prod-eu}:')).toBe(true);
    expect(new Set(all).size).toBe(all.length);
  });

  it('refuses a cluster id that would break the hash tag', () => {
    expect(() => clusterKeys('a}b')).toThrow(/cluster id/);
  });
});
