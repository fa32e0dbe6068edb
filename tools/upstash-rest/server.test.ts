import { spawn } from 'node:child_process';
import { Redis as UpstashRedis } from '@upstash/redis';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, type RedisProcess, startRedis } from '../../test/support/redis.ts';
import { startUpstashRestServer, type UpstashRestServer } from './server.ts';

const TOKEN = 'dev-token';

describe('Upstash REST server', () => {
  let redis: RedisProcess;
  let server: UpstashRestServer;
  let direct: Redis;
  let client: UpstashRedis;

  beforeAll(async () => {
    redis = await startRedis();
    server = await startUpstashRestServer({ redisUrl: redis.url, token: TOKEN });
    direct = new Redis(redis.url);
    client = new UpstashRedis({
      url: server.url,
      token: TOKEN,
      automaticDeserialization: false,
      retry: false,
    });
  });
  afterAll(async () => {
    direct?.disconnect();
    await server?.close();
    await redis?.stop();
  });

  const post = (path: string, body: unknown, headers: Record<string, string> = {}) =>
    fetch(`${server.url}${path}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json', ...headers },
      body: JSON.stringify(body),
    });

  it('counts the bytes on the wire each way, headers included', async () => {
    const before = server.bytes();
    const value = 'v'.repeat(10_000);
    await post('/', ['SET', 'bytes-key', value]);
    const response = await post('/', ['GET', 'bytes-key']);
    expect(((await response.json()) as { result: string }).result).toBe(value);
    const after = server.bytes();
    expect(after.received - before.received).toBeGreaterThan(10_000);
    expect(after.received - before.received).toBeLessThan(11_000);
    expect(after.sent - before.sent).toBeGreaterThan(10_000);
    expect(after.sent - before.sent).toBeLessThan(11_000);
  });

  it('runs single commands for the real client, against the real Redis', async () => {
    expect(await client.set('greeting', 'olá 👋')).toBe('OK');
    expect(await client.get('greeting')).toBe('olá 👋');
    expect(await direct.get('greeting')).toBe('olá 👋');
    expect(await client.incr('counter')).toBe(1);
    expect(await client.get('missing')).toBeNull();
    expect(await client.ping()).toBe('PONG');
  });

  it('runs a pipeline and a transaction, one HTTP request each', async () => {
    const before = server.requestCount();
    const piped = await client.pipeline().set('p1', 'a').get('p1').hset('h', { f: 'v' }).hgetall('h').exec();
    expect(piped).toEqual(['OK', 'a', 1, ['f', 'v']]);
    const multi = await client.multi().set('m1', '1').incr('m1').pexpire('m1', 10_000).exec();
    expect(multi).toEqual(['OK', 2, 1]);
    expect(server.requestCount() - before).toBe(2);
    expect(await direct.pttl('m1')).toBeGreaterThan(9_000);
  });

  it('reports a failing command inside a pipeline without failing the others', async () => {
    await direct.set('not-a-list', 'x');
    const response = await post('/pipeline', [
      ['GET', 'not-a-list'],
      ['LPUSH', 'not-a-list', 'y'],
    ]);
    expect(response.status).toBe(200);
    const body = (await response.json()) as { result?: unknown; error?: string }[];
    expect(body[0]).toEqual({ result: 'x' });
    expect(body[1]?.error).toMatch(/WRONGTYPE/);
  });

  it('evaluates Lua scripts by source and by sha', async () => {
    const script = "return {KEYS[1], ARGV[1], redis.call('GET', KEYS[1]), false, 7}";
    await direct.set('lua-key', 'lua-value');
    expect(await client.eval(script, ['lua-key'], ['arg'])).toEqual(['lua-key', 'arg', 'lua-value', null, 7]);
    const sha = await client.scriptLoad(script);
    expect(await client.evalsha(sha, ['lua-key'], ['again'])).toEqual([
      'lua-key',
      'again',
      'lua-value',
      null,
      7,
    ]);
    await expect(client.evalsha('0'.repeat(40), [], [])).rejects.toThrow(/NOSCRIPT/);
  });

  it('answers a Redis error with 400 and {error}', async () => {
    const response = await post('/', ['INCR', 'greeting']);
    expect(response.status).toBe(400);
    expect(await response.json()).toEqual({ error: expect.stringMatching(/not an integer/) });
    await expect(client.incr('greeting')).rejects.toThrow(/not an integer/);
  });

  it('refuses requests without the right bearer token', async () => {
    const response = await post('/', ['GET', 'greeting'], { authorization: 'Bearer wrong' });
    expect(response.status).toBe(401);
    expect(await response.json()).toEqual({ error: 'Unauthorized' });
    const intruder = new UpstashRedis({ url: server.url, token: 'wrong', retry: false });
    await expect(intruder.get('greeting')).rejects.toThrow(/Unauthorized/);
  });

  it('is binary-safe under Upstash-Encoding: base64 and plain without it', async () => {
    const bytes = Buffer.from([0xff, 0x00, 0x80, 0x7f, 0xc3]);
    await direct.set('binary', bytes);
    const encoded = (await (await post('/', ['GET', 'binary'], { 'upstash-encoding': 'base64' })).json()) as {
      result: string;
    };
    expect(Buffer.from(encoded.result, 'base64').equals(bytes)).toBe(true);
    const nested = (await (
      await post('/', ['MGET', 'greeting', 'missing'], { 'upstash-encoding': 'base64' })
    ).json()) as { result: (string | null)[] };
    expect(nested.result.map((v) => (v === null ? null : Buffer.from(v, 'base64').toString('utf8')))).toEqual(
      ['olá 👋', null],
    );
    expect(await (await post('/', ['GET', 'greeting'])).json()).toEqual({ result: 'olá 👋' });
    const plain = new UpstashRedis({
      url: server.url,
      token: TOKEN,
      responseEncoding: false,
      automaticDeserialization: false,
      retry: false,
    });
    expect(await plain.get('greeting')).toBe('olá 👋');
  });

  it('encodes a bulk OK inside arrays, so the real client reads back OK, not 8', async () => {
    await direct.set('ok-value', 'OK');
    await direct.rpush('ok-list', 'OK', 'fine');
    const raw = (await (await post('/', ['MGET', 'ok-value'], { 'upstash-encoding': 'base64' })).json()) as {
      result: string[];
    };
    expect(raw.result).toEqual(['T0s=']);
    expect(await client.mget('ok-value')).toEqual(['OK']);
    expect(await client.lrange('ok-list', 0, -1)).toEqual(['OK', 'fine']);
    expect(await client.eval("return {redis.call('GET', KEYS[1])}", ['ok-value'], [])).toEqual(['OK']);
    expect(await client.get('ok-value')).toBe('OK');
    expect(await client.set('ok-value', 'OK')).toBe('OK');
  });

  it('issues upstash-sync-token and takes back only tokens it issued', async () => {
    const tokens = new UpstashRedis({ url: server.url, token: TOKEN, automaticDeserialization: false });
    const before = server.syncTokens().length;
    await tokens.set('ryw', 'written');
    expect(await tokens.get('ryw')).toBe('written');
    const [write, read] = server.syncTokens().slice(before);
    expect(write!.issued).toMatch(/^\d+$/);
    // The read carried the token the write was answered with: read-your-writes is on the wire.
    expect(read!.received).toBe(write!.issued);
    const forged = await post('/', ['GET', 'ryw'], { 'upstash-sync-token': 'not-ours' });
    expect(forged.status).toBe(400);
    expect(((await forged.json()) as { error: string }).error).toMatch(/was not issued by this server/);
  });

  it('streams pub/sub messages over server-sent events to the real client', async () => {
    const subscriber = new UpstashRedis({ url: server.url, token: TOKEN, automaticDeserialization: false });
    const subscription = subscriber.subscribe<string>(['news:{c}']);
    const received: string[] = [];
    const subscribed = new Promise<void>((resolve) => subscription.on('subscribe', () => resolve()));
    subscription.on('message', ({ message }) => received.push(message));
    await subscribed;
    expect(await client.publish('news:{c}', '{"hello":"world"}')).toBe(1);
    const deadline = Date.now() + 2000;
    while (received.length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    expect(received).toEqual(['{"hello":"world"}']);
    await subscription.unsubscribe();
  });

  it('refuses commands that would take over the shared connection', async () => {
    const response = await post('/', ['SUBSCRIBE', 'x']);
    expect(response.status).toBe(400);
    expect(((await response.json()) as { error: string }).error).toMatch(/not supported over REST/);
  });

  it('starts from the command line with --port, --redis and --token', async () => {
    const port = await freePort();
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', 'main.ts', '--port', String(port), '--redis', redis.url, '--token', 'cli-token'],
      { cwd: import.meta.dirname, stdio: ['ignore', 'pipe', 'inherit'] },
    );
    try {
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error('CLI did not start within 15 s')), 15_000);
        child.stdout.on('data', (chunk: Buffer) => {
          if (chunk.toString().includes('Upstash REST on')) {
            clearTimeout(timer);
            resolve();
          }
        });
        child.once('exit', (code) => reject(new Error(`CLI exited with ${code}`)));
      });
      const cli = new UpstashRedis({ url: `http://127.0.0.1:${port}`, token: 'cli-token', retry: false });
      expect(await cli.get('counter')).toBe(1);
    } finally {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await exited;
    }
  });
});
