import { describe, expect, it } from 'vitest';
import { parseCommand } from './options.ts';

describe('parseCommand', () => {
  it('applies the defaults to a bare check', () => {
    expect(parseCommand(['check', '--url', 'https://edge.example.com'])).toEqual({
      kind: 'check',
      options: {
        url: 'https://edge.example.com',
        format: 'nagios',
        warningMs: 1000,
        criticalMs: 5000,
        timeoutMs: 10000,
      },
    });
  });

  it('reads every flag, and the token from TELLTALE_TOKEN when no flag gives it', () => {
    const argv = ['check', '--url', 'http://127.0.0.1:8787', '--format', 'json', '--warning', '200'];
    const parsed = parseCommand([...argv, '--critical', '900', '--timeout', '1500'], {
      TELLTALE_TOKEN: 's3cret',
    });
    expect(parsed).toEqual({
      kind: 'check',
      options: {
        url: 'http://127.0.0.1:8787',
        format: 'json',
        warningMs: 200,
        criticalMs: 900,
        timeoutMs: 1500,
        token: 's3cret',
      },
    });
    const flagWins = parseCommand(['check', '--url', 'http://a', '--token', 'flag'], {
      TELLTALE_TOKEN: 'env',
    });
    expect(flagWins.kind === 'check' && flagWins.options.token).toBe('flag');
  });

  it.each([
    [['check'], '--url is required'],
    [[], 'missing command'],
    [['status', '--url', 'http://a'], "unknown command 'status'"],
    [['check', '--url', 'ftp://a'], "--url must be an http:// or https:// URL: got 'ftp://a'"],
    [
      ['check', '--url', 'http://a', '--format', 'xml'],
      "--format must be one of nagios, json, prometheus: got 'xml'",
    ],
    [
      ['check', '--url', 'http://a', '--warning', '1s'],
      "--warning must be a whole number of milliseconds: got '1s'",
    ],
    [
      ['check', '--url', 'http://a', '--warning', '900', '--critical', '100'],
      '--warning must not be greater',
    ],
    [['check', '--url', 'http://a', '--colour'], "Unknown option '--colour'"],
  ])('rejects %j with a clear message', (argv, message) => {
    const parsed = parseCommand(argv);
    expect(parsed.kind).toBe('usage-error');
    expect(parsed.kind === 'usage-error' && parsed.message).toContain(message);
  });

  it('answers --help', () => {
    expect(parseCommand(['check', '--help'])).toEqual({ kind: 'help' });
  });
});
