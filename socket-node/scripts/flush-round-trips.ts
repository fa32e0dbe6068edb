/**
 * Store round trips a socket node makes per flush interval under steady traffic.
 *
 *   node --import tsx socket-node/scripts/flush-round-trips.ts [clients=200] [intervals=10]
 *
 * A real node (startSocketNode) on a private redis-server, its store wrapped to count every port
 * call; `clients` attendants stay connected, heartbeat and type in threads throughout. Counted over
 * `intervals` flush intervals after a warm-up, next to Redis' own INFO commandstats for EXEC (one
 * MULTI/EXEC transaction = one round trip, since ioredis writes the whole transaction at once).
 */
import type { TelltaleStore } from '@telltale/shared';
import { createIoredisStore } from '@telltale/shared/store/ioredis';
import { Redis } from 'ioredis';
import { type Socket as ClientSocket, io as connect } from 'socket.io-client';
import { startRedis } from '../../test/support/redis.ts';
import { silentLogger } from '../src/instrument/log.ts';
import { startSocketNode } from '../src/node.ts';
import { token } from '../test/support/clients.ts';
import { testSettings } from '../test/support/node.ts';

const INTERVAL = 500;

function counting(store: TelltaleStore, calls: Map<string, number>): TelltaleStore {
  return new Proxy(store, {
    get(target, property, receiver) {
      const value: unknown = Reflect.get(target, property, receiver);
      if (typeof value !== 'function') return value;
      return (...args: unknown[]) => {
        calls.set(String(property), (calls.get(String(property)) ?? 0) + 1);
        return (value as (...a: unknown[]) => unknown).apply(target, args);
      };
    },
  });
}

async function execCalls(redis: Redis): Promise<number> {
  const info = await redis.info('commandstats');
  return Number(/cmdstat_exec:calls=(\d+)/.exec(info)?.[1] ?? 0);
}

async function main(): Promise<void> {
  const clients = Number(process.argv[2] ?? 200);
  const intervals = Number(process.argv[3] ?? 10);
  const redis = await startRedis();
  const calls = new Map<string, number>();
  const connection = new Redis(redis.url);
  const store = counting(createIoredisStore(connection), calls);
  const node = await startSocketNode(
    testSettings({ nodeId: 'rt', cluster: 'rt', redisUrl: redis.url, flushIntervalMs: INTERVAL }),
    { store, log: silentLogger },
  );
  const sockets: ClientSocket[] = [];
  for (let i = 0; i < clients; i++) {
    const socket = connect(`${node.url}/hub`, {
      transports: ['websocket'],
      auth: { token: await token({ sub: `a${i}`, role: 'attendant' }) },
    });
    await new Promise<void>((resolve) => socket.once('connect', () => resolve()));
    await socket.emitWithAck('join:thread', { threadId: `t${i % 20}` });
    sockets.push(socket);
  }
  const traffic = setInterval(() => {
    for (const socket of sockets) {
      socket.emit('heartbeat');
      socket.emit('typing:start', { threadId: `t${sockets.indexOf(socket) % 20}` });
    }
  }, 100);
  await new Promise((r) => setTimeout(r, 2 * INTERVAL));

  const probe = new Redis(redis.url);
  calls.clear();
  const execBefore = await execCalls(probe);
  const started = Date.now();
  await new Promise((r) => setTimeout(r, intervals * INTERVAL));
  const elapsedIntervals = (Date.now() - started) / INTERVAL;
  const execAfter = await execCalls(probe);
  clearInterval(traffic);

  console.log(
    `${clients} clients, heartbeats and typing every 100 ms, ${elapsedIntervals.toFixed(1)} intervals`,
  );
  for (const [method, count] of [...calls].sort()) {
    console.log(`  store.${method}: ${count} calls → ${(count / elapsedIntervals).toFixed(2)} per interval`);
  }
  // The EXEC count includes the probe's own nothing; presence writes are single commands, not EXEC.
  console.log(
    `  Redis EXEC (transactions): ${((execAfter - execBefore) / elapsedIntervals).toFixed(2)} per interval`,
  );

  for (const socket of sockets) socket.close();
  probe.disconnect();
  await node.close();
  await store.close();
  connection.disconnect();
  await redis.stop();
}

void main();
