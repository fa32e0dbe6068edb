import { describe, expect, it } from 'vitest';
import type { SocketRecord } from '../schema/snapshot.ts';
import {
  decodeSocketCursor,
  encodeSocketCursor,
  MAX_SOCKET_PAGE,
  matchesSocketQuery,
  socketNeedles,
  socketPageLimit,
} from './socket-query.ts';

const record: SocketRecord = {
  id: 'AbC_123',
  nodeId: 'node-ü',
  namespace: '/hub',
  userId: 'user "quoted"',
  role: null,
  transport: 'polling',
  connectedAt: 1,
  rooms: 1,
  roomNames: ['thread:9'],
  lastEventAt: null,
};

describe('socket query', () => {
  it('round-trips cursors, including non-ASCII node ids, as URL-safe text', () => {
    const cursor = { node: 'node-ü/+', scan: '1234', skip: 7 };
    const encoded = encodeSocketCursor(cursor);
    expect(encoded).toMatch(/^[\w-]+$/);
    expect(decodeSocketCursor(encoded)).toEqual(cursor);
  });

  it('rejects a cursor it did not produce with an actionable message', () => {
    expect(() => decodeSocketCursor('garbage!')).toThrow(/invalid socket cursor 'garbage!'.*nextCursor/);
    expect(() => decodeSocketCursor(btoa('{"node":1}'))).toThrow(/invalid socket cursor/);
  });

  it('bounds the page size', () => {
    expect(socketPageLimit(0)).toBe(1);
    expect(socketPageLimit(25.7)).toBe(25);
    expect(socketPageLimit(1e9)).toBe(MAX_SOCKET_PAGE);
  });

  it('pre-filters on fragments that the stored JSON of every match contains', () => {
    const raw = JSON.stringify(record);
    const queries = [
      { limit: 1, namespace: '/hub' },
      { limit: 1, userId: 'user "quoted"' },
      { limit: 1, room: 'thread:9' },
      { limit: 1, search: '"quoted' },
      { limit: 1, search: 'C_12' },
    ];
    for (const query of queries) {
      expect(matchesSocketQuery(record, query)).toBe(true);
      for (const needle of socketNeedles(query)) expect(raw).toContain(needle);
    }
    expect(matchesSocketQuery(record, { limit: 1, namespace: '/portal' })).toBe(false);
    expect(matchesSocketQuery(record, { limit: 1, room: 'thread:1' })).toBe(false);
    expect(matchesSocketQuery(record, { limit: 1, search: 'zzz' })).toBe(false);
  });
});
