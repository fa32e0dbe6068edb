import { describe, expect, it } from 'vitest';
import { SseParser } from './sse-parser.ts';

describe('SseParser', () => {
  it('reads events split across chunks, multi-line data, comments and retry', () => {
    const parser = new SseParser();
    expect(parser.push('retry: 2000\n\n: keep-alive\n\ndata: {"a"')).toEqual([]);
    expect(parser.retryMs).toBe(2000);
    expect(parser.push(':1}\n\nevent: update\nid: 7\ndata: line1\ndata: line2\n')).toEqual([
      { event: 'message', data: '{"a":1}', id: null },
    ]);
    expect(parser.push('\n')).toEqual([{ event: 'update', data: 'line1\nline2', id: '7' }]);
  });

  it('accepts CRLF and CR line endings, even with CRLF split between chunks', () => {
    const parser = new SseParser();
    expect(parser.push('data: x\r')).toEqual([]);
    expect(parser.push('\n\r\n')).toEqual([{ event: 'message', data: 'x', id: null }]);
    expect(parser.push('data: y\r\rdata: z\n\n')).toEqual([
      { event: 'message', data: 'y', id: null },
      { event: 'message', data: 'z', id: null },
    ]);
  });
});
