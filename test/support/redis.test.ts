import { connect } from 'node:net';
import { describe, expect, it } from 'vitest';
import { startRedis } from './redis.ts';

const ping = (port: number) =>
  new Promise<string>((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () => socket.write('PING\r\n'));
    socket.once('data', (d) => {
      socket.end();
      resolve(d.toString().trim());
    });
    socket.once('error', reject);
  });

describe('startRedis', () => {
  it('runs a private redis that can be stopped and restarted on the same port', async () => {
    const redis = await startRedis();
    expect(await ping(redis.port)).toBe('+PONG');
    await redis.kill();
    await expect(ping(redis.port)).rejects.toThrow();
    await redis.restart();
    expect(await ping(redis.port)).toBe('+PONG');
    await redis.stop();
  });
});
