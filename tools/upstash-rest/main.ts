import { parseArgs } from 'node:util';
import { startUpstashRestServer } from './server.ts';

const { values } = parseArgs({
  options: {
    port: { type: 'string' },
    redis: { type: 'string' },
    token: { type: 'string' },
    host: { type: 'string' },
  },
});

const port = Number(values.port ?? process.env.UPSTASH_REST_PORT ?? 8079);
const redisUrl = values.redis ?? process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const token = values.token ?? process.env.UPSTASH_REDIS_REST_TOKEN ?? '';
if (!Number.isInteger(port) || port < 0 || port > 65_535) {
  throw new Error(`--port must be a TCP port number, got '${values.port ?? process.env.UPSTASH_REST_PORT}'`);
}
if (!/^rediss?:\/\//.test(redisUrl)) throw new Error(`--redis must be a redis:// URL, got '${redisUrl}'`);

const server = await startUpstashRestServer({ port, redisUrl, token, host: values.host ?? '127.0.0.1' });
console.log(`Upstash REST on ${server.url} → ${redisUrl} (UPSTASH_REDIS_REST_URL=${server.url})`);

const stop = () => {
  server.close().then(
    () => process.exit(0),
    () => process.exit(1),
  );
};
process.once('SIGINT', stop);
process.once('SIGTERM', stop);
