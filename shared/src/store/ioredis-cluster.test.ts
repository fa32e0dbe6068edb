import { Cluster, Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RedisClusterProcess, startRedisCluster } from '../../../test/support/redis-cluster.ts';
import { clusterKeys } from '../keys/index.ts';
import { sampleSnapshot } from '../merge/fixtures.ts';
import type { CommandEnvelope } from '../schema/command.ts';
import { describeStoreContract } from './contract.ts';
import { createIoredisCluster, createIoredisStore } from './ioredis.ts';
import type { TelltaleStore } from './port.ts';

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

let redisCluster: RedisClusterProcess;
beforeAll(async () => {
  redisCluster = await startRedisCluster();
});
afterAll(async () => {
  await redisCluster?.stop();
});

const clusterOf = () =>
  createIoredisCluster({
    nodes: redisCluster.ports.map((port) => ({ host: '127.0.0.1', port })),
    tls: false,
  });

describeStoreContract(
  'ioredis on a 3-master Redis Cluster',
  async () => {
    const cluster = clusterOf();
    const inspector = clusterOf();
    const store = createIoredisStore(cluster);
    await store.ping();
    return {
      store,
      pttl: (key) => inspector.pttl(key),
      elapse: sleep,
      // Requests go to whichever master owns the test's slot: no single socket to count on.
      roundTrips: () => null,
      close: async () => {
        await store.close();
        cluster.disconnect();
        inspector.disconnect();
      },
    };
  },
  { countsRoundTrips: false },
);

/** Every key on every master, by SCAN. */
async function keysOnEachMaster(pattern: string): Promise<Map<number, string[]>> {
  const found = new Map<number, string[]>();
  for (const port of redisCluster.ports) {
    const node = new Redis(port, '127.0.0.1');
    try {
      const keys: string[] = [];
      let cursor = '0';
      do {
        const [next, batch] = await node.scan(cursor, 'MATCH', pattern, 'COUNT', 1000);
        keys.push(...batch);
        cursor = next;
      } while (cursor !== '0');
      if (keys.length > 0) found.set(port, keys.sort());
    } finally {
      node.disconnect();
    }
  }
  return found;
}

const keySlot = async (key: string) =>
  Number(await redisCluster.cli(redisCluster.ports[0] ?? 0, 'CLUSTER', 'KEYSLOT', key));

const envelope = (cluster: string, id: string): Omit<CommandEnvelope, 'target'> => ({
  id,
  cluster,
  actor: 'ops',
  issuedAt: Date.now(),
  expiresAt: Date.now() + 5000,
  command: { type: 'disconnect-all' },
});

describe('ioredis store on a Redis Cluster', () => {
  it('refuses a Cluster client without sharded subscribers, saying what to set', () => {
    const plain = new Cluster([{ host: '127.0.0.1', port: redisCluster.ports[0] ?? 0 }], {
      lazyConnect: true,
    });
    expect(() => createIoredisStore(plain)).toThrow(/shardedSubscribers: true/);
    plain.disconnect();
  });

  it('builds every key and channel of a cluster in the slot of its {cluster} hash tag', async () => {
    // Every builder, however deep the layout nests them: a new one is checked without being listed here.
    const builtFrom = (layout: object): string[] =>
      Object.entries(layout).flatMap(([name, value]): string[] => {
        if (name === 'prefix') return [];
        if (typeof value === 'function') return [(value as (id: string) => string)('node-or-id-42')];
        if (typeof value === 'object' && value !== null) return builtFrom(value);
        return [String(value)];
      });
    const built = builtFrom(clusterKeys('slot-check'));
    expect(built.length).toBeGreaterThanOrEqual(11);
    const expected = await keySlot('{slot-check}');
    for (const key of built) expect([key, await keySlot(key)]).toEqual([key, expected]);
  });

  it('writes every key of a cluster into one slot on one master: flush, leave, acks, audit, alerts, presence', async () => {
    const cluster = clusterOf();
    const store = createIoredisStore(cluster);
    const id = 'written-keys';
    const c = store.forCluster(id);
    try {
      for (const nodeId of ['node-a', 'node-b']) {
        await c.flush({
          snapshot: sampleSnapshot({ node: { id: nodeId, cluster: id } }),
          sockets: {
            upsert: [
              {
                id: `${nodeId}-s1`,
                nodeId,
                namespace: '/portal',
                userId: 'u1',
                role: 'client',
                transport: 'websocket',
                connectedAt: Date.now(),
                rooms: 1,
                roomNames: ['thread:1'],
                lastEventAt: null,
              },
            ],
            remove: [],
          },
          ttlMs: 30_000,
        });
      }
      await c.leave({ snapshot: sampleSnapshot({ node: { id: 'node-b', cluster: id } }), ttlMs: 30_000 });
      await c.writeAck({ commandId: 'c1', nodeId: 'node-a', ok: true, affected: 1, at: Date.now() }, 30_000);
      await c.appendAudit(
        {
          id: 'c1',
          at: Date.now(),
          actor: 'ops',
          command: { type: 'disconnect-all' },
          target: '*',
          result: { targeted: 1, acked: 1, missing: [], affected: 1, complete: true },
        },
        100,
      );
      await c.writeAlertRules([]);
      await c.setPresence('u1', 'node-a', { sockets: 1, status: 'online' }, 30_000);

      const found = await keysOnEachMaster(`telltale:{${id}}:*`);
      expect([...found.keys()]).toEqual([await redisCluster.ownerOf(await keySlot(`{${id}}`))]);
      const keys = [...found.values()].flat();
      const k = clusterKeys(id);
      expect(keys).toEqual(
        expect.arrayContaining([
          k.nodes,
          k.node('node-a'),
          k.nodeSockets('node-a'),
          k.nodeFarewell('node-b'),
          k.ack('c1'),
          k.audit,
          k.alerts,
          k.presence('u1'),
        ]),
      );
      const slots = new Set(await Promise.all(keys.map(keySlot)));
      expect([...slots]).toEqual([await keySlot(`{${id}}`)]);
    } finally {
      await store.close();
      cluster.disconnect();
    }
  });

  it('counts every subscriber of a command, wherever its connection landed (sharded pub/sub)', async () => {
    const id = 'exact-receivers';
    const nodeIds = ['node-a', 'node-b', 'node-c'];
    const edgeCluster = clusterOf();
    const edge = createIoredisStore(edgeCluster);
    const nodes: { store: TelltaleStore; cluster: Cluster; received: string[] }[] = [];
    try {
      for (const nodeId of nodeIds) {
        const cluster = clusterOf();
        const store = createIoredisStore(cluster);
        const received: string[] = [];
        await store.forCluster(id).subscribeCommands(nodeId, (raw) => received.push(raw));
        await store.forCluster(id).flush({
          snapshot: sampleSnapshot({ node: { id: nodeId, cluster: id } }),
          sockets: { upsert: [], remove: [] },
          ttlMs: 30_000,
        });
        nodes.push({ store, cluster, received });
      }
      const delivery = await edge.forCluster(id).publishCommand(envelope(id, 'to-all'), { to: 'live-nodes' });
      expect(delivery).toEqual({ targeted: nodeIds, unreached: [] });
      const owner = await redisCluster.ownerOf(await keySlot(`{${id}}`));
      const channels = (
        await redisCluster.cli(owner, 'PUBSUB', 'SHARDNUMSUB', ...nodeIds.map(clusterKeys(id).nodeCommands))
      )
        .split('\n')
        .filter((_, i) => i % 2 === 1);
      expect(channels).toEqual(['1', '1', '1']);

      // Acks come back over the sharded ack channel to the edge's watch.
      const watch = await edge.forCluster(id).watchAcks('to-all');
      for (const nodeId of nodeIds) {
        await nodes[nodeIds.indexOf(nodeId)]?.store
          .forCluster(id)
          .writeAck({ commandId: 'to-all', nodeId, ok: true, affected: 0, at: Date.now() }, 5000);
      }
      const acks = await watch.wait(nodeIds, 2000);
      expect(acks.map((ack) => ack.nodeId).sort()).toEqual(nodeIds);
      for (const node of nodes) expect(node.received.map((raw) => JSON.parse(raw).id)).toEqual(['to-all']);
    } finally {
      for (const node of nodes) {
        await node.store.close();
        node.cluster.disconnect();
      }
      await edge.close();
      edgeCluster.disconnect();
    }
  });
});
