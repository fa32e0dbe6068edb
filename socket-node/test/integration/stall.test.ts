import { NodeSnapshot, type TelltaleStore } from '@telltale/shared';
import { createIoredisStore } from '@telltale/shared/store/ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RedisProcess, startRedis } from '../../../test/support/redis.ts';
import { closeAll, eventually, openAs, sleep } from '../support/clients.ts';
import { type NodeProcess, spawnNode } from '../support/node.ts';

const CLUSTER = 'stall';
const NODE = 'stalled-1';
const INTERVAL = 300;
/** The node's hashes live 3 intervals; the stall outlasts that by far. */
const STALL_MS = 3000;

let redis: RedisProcess;
let store: TelltaleStore;
let node: NodeProcess | null = null;

beforeAll(async () => {
  redis = await startRedis();
  store = createIoredisStore(redis.url);
});

afterAll(async () => {
  closeAll();
  if (node?.child.exitCode === null) node.child.kill('SIGCONT');
  await node?.kill();
  await store?.close();
  await redis?.stop();
});

async function flushedAt(): Promise<number | null> {
  const record = (await store.forCluster(CLUSTER).readNodes()).find((n) => n.nodeId === NODE);
  return record?.raw ? NodeSnapshot.parse(JSON.parse(record.raw)).node.flushedAt : null;
}

const socketIds = async () =>
  (await store.forCluster(CLUSTER).listSockets({ limit: 100 })).items.map((s) => s.id).sort();

describe('a node process stalled (SIGSTOP) for longer than its TTL', () => {
  it('rewrites its sockets hash whole after SIGCONT, so its sockets are listed and addressable again', async () => {
    node = await spawnNode({
      NODE_ID: NODE,
      CLUSTER_ID: CLUSTER,
      REDIS_URL: redis.url,
      FLUSH_INTERVAL_MS: String(INTERVAL),
    });
    const a = await openAs(`${node.url}/hub`, { sub: 'a1', role: 'attendant' });
    const b = await openAs(`${node.url}/portal`, { sub: 'c1', role: 'client' });
    const expected = [a.id, b.id].sort();
    await eventually(async () => (await socketIds()).length === 2, 5000, 'both sockets flushed');

    node.child.kill('SIGSTOP');
    await eventually(async () => (await flushedAt()) === null, STALL_MS, 'the node hash expired');
    expect(await socketIds()).toEqual([]);
    await sleep(STALL_MS - 3 * INTERVAL);
    const resumedAt = Date.now();
    node.child.kill('SIGCONT');

    // Two flushes after the resume: whatever the first one wrote, the second is a plain delta.
    await eventually(async () => ((await flushedAt()) ?? 0) > resumedAt + INTERVAL, 5000, 'flushing resumed');
    expect(await socketIds()).toEqual(expected);
    expect(a.connected && b.connected).toBe(true);
    const delivery = await store.forCluster(CLUSTER).publishCommand(
      {
        id: 'after-stall',
        cluster: CLUSTER,
        actor: 'test',
        issuedAt: Date.now(),
        expiresAt: Date.now() + 2000,
        command: { type: 'disconnect-socket', socketId: b.id ?? '' },
      },
      { to: 'socket-owner', socketId: b.id ?? '' },
    );
    expect(delivery?.targeted).toEqual([NODE]);
  }, 40_000);
});
