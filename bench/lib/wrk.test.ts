import { describe, expect, it } from 'vitest';
import { parseWrk } from './wrk.ts';

const REPORT = `Running 1s test @ http://127.0.0.1:18999/
  1 threads and 10 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency     8.89ms    5.14ms  31.73ms   74.36%
    Req/Sec   667.20     96.26   780.00     60.00%
  Latency Distribution
     50%  735.00us
     75%   11.44ms
     90%   15.84ms
     99%    1.25s
  666 requests in 1.00s, 1.59MB read
  Non-2xx or 3xx responses: 3
Requests/sec:    663.71
Transfer/sec:      1.58MB
`;

describe('parseWrk', () => {
  it('reads throughput, percentiles in ms and errors', () => {
    expect(parseWrk(REPORT)).toEqual({
      requestsPerSec: 663.71,
      requests: 666,
      p50Ms: 0.735,
      p99Ms: 1250,
      errors: 3,
    });
  });

  it('counts socket errors', () => {
    const withErrors = REPORT.replace(
      '  Non-2xx or 3xx responses: 3\n',
      '  Socket errors: connect 1, read 2, write 0, timeout 4\n',
    );
    expect(parseWrk(withErrors).errors).toBe(7);
  });

  it('refuses a report without a throughput line', () => {
    expect(() => parseWrk('unable to connect to 127.0.0.1:1 Connection refused')).toThrow(/Requests\/sec/);
  });
});
