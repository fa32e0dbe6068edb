import { mergeSnapshots } from '@telltale/shared';
import { sampleRecord, sampleSnapshot } from '@telltale/shared/testing';
import { describe, expect, it } from 'vitest';
import type { HistoryResponse } from './schemas.ts';
import {
  appendPoint,
  emptyFrame,
  frameFromHistory,
  mergeLivePoints,
  nodeMemorySeries,
  trimFrame,
  valuesFromView,
} from './series.ts';

const T = 1_700_000_000_000;

describe('series frames for the charts', () => {
  it('aligns columns: a series first seen late is null before, a missing one null after', () => {
    const frame = emptyFrame();
    appendPoint(frame, T, { a: 1 });
    appendPoint(frame, T + 5000, { a: 2, b: 10 });
    appendPoint(frame, T + 10_000, { b: 11 });
    expect(frame.times).toEqual([T / 1000, T / 1000 + 5, T / 1000 + 10]);
    expect(frame.columns.get('a')).toEqual([1, 2, null]);
    expect(frame.columns.get('b')).toEqual([null, 10, 11]);
  });

  it('drops a point that is not newer than the last (a forced update repeating a tick)', () => {
    const frame = emptyFrame();
    expect(appendPoint(frame, T, { a: 1 })).toBe(true);
    expect(appendPoint(frame, T, { a: 9 })).toBe(false);
    expect(frame.columns.get('a')).toEqual([1]);
  });

  it('trims points older than the range', () => {
    const frame = emptyFrame();
    for (let i = 0; i < 5; i++) appendPoint(frame, T + i * 1000, { a: i });
    trimFrame(frame, T + 2500);
    expect(frame.columns.get('a')).toEqual([3, 4]);
    expect(frame.times).toHaveLength(2);
  });

  it('reads tick history as is, and minute rollups by average with latency from the merged sketch', () => {
    const ticks: HistoryResponse = {
      resolution: 'tick',
      intervalMs: 5000,
      from: T,
      to: T + 5000,
      points: [
        { at: T, values: { 'connections.total': 3 } },
        { at: T + 5000, values: { 'connections.total': 4 } },
      ],
    };
    expect(frameFromHistory(ticks).columns.get('connections.total')).toEqual([3, 4]);
    const minutes: HistoryResponse = {
      resolution: '1m',
      intervalMs: 60_000,
      from: T,
      to: T,
      points: [
        {
          at: T,
          ticks: 12,
          series: { 'connections.total': { min: 1, max: 5, avg: 3, count: 12 } },
          latency: { count: 10, avg: 2, p50: 1.5, p95: 4, p99: 9, max: 12 },
        },
      ],
    };
    const frame = frameFromHistory(minutes);
    expect(frame.columns.get('connections.total')).toEqual([3]);
    expect(frame.columns.get('events.latency.p99')).toEqual([9]);
  });

  it('takes the history series and per-node memory from a live view', () => {
    const now = T + 60_000;
    const view = mergeSnapshots(
      [
        sampleRecord(sampleSnapshot({ node: { id: 'node-a', flushedAt: now } }), now),
        sampleRecord(sampleSnapshot({ node: { id: 'node-b', flushedAt: now } }), now),
      ],
      now,
      { cluster: 'default', intervalMs: 5000 },
    );
    const values = valuesFromView(view);
    expect(values['connections.total']).toBe(view.connections.total);
    expect(values['events.latency.p95']).toBe(view.events.latency.p95);
    const frame = emptyFrame();
    appendPoint(frame, now, values);
    expect(nodeMemorySeries(frame)).toEqual(['node-rss:node-a', 'node-rss:node-b']);
  });

  it('lays live points over history: fills per-node columns at matching ticks, appends newer ones', () => {
    const frame = emptyFrame();
    appendPoint(frame, T, { 'connections.total': 1 });
    appendPoint(frame, T + 5000, { 'connections.total': 2 });
    mergeLivePoints(frame, [
      { at: T + 5000, values: { 'connections.total': 2, 'node-rss:a': 100 } },
      { at: T + 10_000, values: { 'connections.total': 3, 'node-rss:a': 110 } },
    ]);
    expect(frame.columns.get('connections.total')).toEqual([1, 2, 3]);
    expect(frame.columns.get('node-rss:a')).toEqual([null, 100, 110]);
  });
});
