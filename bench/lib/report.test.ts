import { describe, expect, it } from 'vitest';
import { compact, renderSuite, renderTable } from './report.ts';

describe('report', () => {
  it('aligns columns and right-aligns numbers', () => {
    const text = renderTable({
      title: 'T',
      columns: ['config', 'ev/s'],
      rows: [
        ['bare', 12345.678],
        ['telltale', 99.5],
      ],
    });
    const lines = text.split('\n');
    expect(lines[0]).toBe('T');
    expect(lines[1]).toBe('config     ev/s');
    expect(lines[3]).toBe('bare      12346');
    expect(lines[4]).toBe('telltale   99.5');
  });

  it('prints missing numbers as a dash and marks missed bars', () => {
    const text = renderSuite({
      suite: 's',
      settings: {},
      tables: [{ title: 't', columns: ['a'], rows: [[Number.NaN], [null]] }],
      bars: [{ bar: 'p99 <= 25 ms', measured: '31 ms', pass: false }],
      data: null,
      notes: ['machine was loaded'],
    });
    expect(text).toContain('[MISS] p99 <= 25 ms: 31 ms');
    expect(text).toContain('note: machine was loaded');
    expect(text.split('\n').filter((l) => l === '–')).toHaveLength(2);
  });

  it('rounds numbers deep inside results and turns NaN into null', () => {
    expect(compact({ a: [1.23456, Number.NaN], b: { c: 1234.56 } })).toEqual({
      a: [1.235, null],
      b: { c: 1235 },
    });
  });
});
