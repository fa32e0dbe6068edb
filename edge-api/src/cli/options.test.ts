import { describe, expect, it } from 'vitest';
import { CHECK_USAGE, parseCommand, SERVE_USAGE, USAGE } from './options.ts';

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

  it('answers --help for the CLI and for each command, and --version', () => {
    expect(parseCommand(['check', '--help'])).toEqual({ kind: 'help', usage: CHECK_USAGE });
    expect(parseCommand(['serve', '-h'])).toEqual({ kind: 'help', usage: SERVE_USAGE });
    expect(parseCommand(['--help'])).toEqual({ kind: 'help', usage: USAGE });
    expect(parseCommand(['--version'])).toEqual({ kind: 'version' });
    expect(CHECK_USAGE).toContain('--warning <ms>');
    expect(SERVE_USAGE).toContain('REDIS_URL');
  });

  it('reads serve overrides for PORT and HOST, and refuses a bad port with the serve usage', () => {
    expect(parseCommand(['serve'])).toEqual({ kind: 'serve', env: {} });
    expect(parseCommand(['serve', '--port', '9000', '--host', '127.0.0.1'])).toEqual({
      kind: 'serve',
      env: { PORT: '9000', HOST: '127.0.0.1' },
    });
    expect(parseCommand(['serve', '--port', 'http'])).toEqual({
      kind: 'usage-error',
      message: "--port must be a port number: got 'http'",
      usage: SERVE_USAGE,
    });
    expect(parseCommand(['serve', 'now'])).toMatchObject({
      kind: 'usage-error',
      message: "unexpected argument 'now'",
    });
  });
});
