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
      k.nodeRooms('n1'),
      k.nodeUsers('n1'),
      k.nodeLedger('n1'),
      k.ledger.labels('in'),
      k.ledger.sketch('w'),
      k.ledger.refs,
      k.aggregates.roomsBySize,
      k.aggregates.roomsByName,
      k.aggregates.roomPrefixes,
      k.aggregates.namespaceRooms,
      k.aggregates.namespaceMembers,
      k.aggregates.usersOnline,
      k.aggregates.usersAway,
      k.aggregates.totals,
      k.aggregates.namespaceRoomsBySize('/chat{x}'),
      k.aggregates.namespaceRoomsByName('/chat{x}'),
    ];
    for (const key of all) expect(key.startsWith('telltale:{prod-eu}:')).toBe(true);
    expect(new Set(all).size).toBe(all.length);
  });

  it('builds every ledger key from the head of the node-count key, as the Lua does', () => {
    const k = clusterKeys('prod-eu');
    const head = k.ledger.refs.slice(0, -'refs'.length);
    expect(k.ledger.labels('in')).toBe(`${head}labels:in`);
    expect(k.ledger.sketch('w')).toBe(`${head}sketch:w`);
    expect(k.nodeLedger('n1')).toBe(`${k.nodeRooms('n1').slice(0, -'rooms'.length)}ledger`);
  });

  it('refuses a cluster id that would break the hash tag', () => {
    expect(() => clusterKeys('a}b')).toThrow(/cluster id/);
  });
});
