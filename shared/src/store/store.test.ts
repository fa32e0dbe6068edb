import type { Socket } from 'node:net';
import { Redis as UpstashRedis } from '@upstash/redis';
import { Redis } from 'ioredis';
import { afterAll, beforeAll } from 'vitest';
import { type RedisProcess, startRedis } from '../../../test/support/redis.ts';
import { startUpstashRestServer } from '../../../tools/upstash-rest/server.ts';
import { describeStoreContract } from './contract.ts';
import { createIoredisStore } from './ioredis.ts';
import { createMemoryStore } from './memory.ts';
import { createUpstashStore, UPSTASH_CLIENT_SETTINGS } from './upstash.ts';

const report = (line: string) => console.info(`[round trips] ${line}`);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describeStoreContract(
  'memory',
  async () => {
    let clock = 1_700_000_000_000;
    const store = createMemoryStore({ now: () => clock });
    return {
      store,
      pttl: async (key) => store.pttl(key),
      elapse: async (ms) => {
        clock += ms;
      },
      roundTrips: () => null,
      close: () => store.close(),
    };
  },
  { countsRoundTrips: false },
);

let redis: RedisProcess;
beforeAll(async () => {
  redis = await startRedis();
});
afterAll(async () => {
  await redis?.stop();
});

/** Counts request writes on the store's own socket: one write per request batch. */
function countWrites(socket: Socket): () => number {
  let writes = 0;
  const write = socket.write.bind(socket);
  socket.write = ((...args: Parameters<Socket['write']>) => {
    writes += 1;
    return write(...args);
  }) as Socket['write'];
  return () => writes;
}

describeStoreContract(
  'ioredis',
  async () => {
    const connection = new Redis(redis.url);
    await connection.ping();
    const writes = countWrites(connection.stream as Socket);
    const inspector = new Redis(redis.url);
    const store = createIoredisStore(connection);
    return {
      store,
      pttl: (key) => inspector.pttl(key),
      elapse: async (ms) => {
        await sleep(ms);
      },
      roundTrips: writes,
      close: async () => {
        await store.close();
        connection.disconnect();
        inspector.disconnect();
      },
    };
  },
  { countsRoundTrips: true, report },
);

for (const [label, clientOptions] of [
  ["upstash (the Worker's client settings)", UPSTASH_CLIENT_SETTINGS],
  ['upstash (client on default options)', {}],
] as const) {
  describeStoreContract(
    label,
    async () => {
      const token = 'contract-token';
      const server = await startUpstashRestServer({ redisUrl: redis.url, token });
      const client = new UpstashRedis({ url: server.url, token, ...clientOptions });
      const inspector = new Redis(redis.url);
      const store = createUpstashStore(client);
      return {
        store,
        pttl: (key) => inspector.pttl(key),
        elapse: async (ms) => {
          await sleep(ms);
        },
        roundTrips: () => server.requestCount(),
        close: async () => {
          await store.close();
          inspector.disconnect();
          await server.close();
        },
      };
    },
    { countsRoundTrips: true, report },
  );
}
