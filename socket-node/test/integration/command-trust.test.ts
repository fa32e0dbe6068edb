/**
 * Commands that reach a real node process without coming from the edge: published straight on its
 * Redis channel (forged), issued long ago, replayed, or delivered after the node sat paused
 * (SIGSTOP) through the deadline. The node runs with COMMAND_SIGNING_KEY; each refusal is proved
 * by a signed sentinel command sent after it and acked, never by waiting.
 */
import { randomUUID } from 'node:crypto';
import {
  type Command,
  type CommandAck,
  type CommandEnvelope,
  clusterKeys,
  commandSigner,
  type NodeSnapshot,
  type TelltaleStore,
} from '@telltale/shared';
import { createIoredisStore } from '@telltale/shared/store/ioredis';
import { recordedAcks } from '@telltale/shared/testing';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RedisProcess, startRedis } from '../../../test/support/redis.ts';
import { type ClientSocket, closeAll, eventually, openAs, sleep } from '../support/clients.ts';
import { type NodeProcess, spawnNode } from '../support/node.ts';

const CLUSTER = 'trust';
const NODE = 'trusting-1';
const KEY = 'the-cluster-command-signing-key-0123456789';
const SKEW_MS = 250;

let redis: RedisProcess;
let raw: Redis;
let store: TelltaleStore;
let node: NodeProcess;
const signer = commandSigner(KEY);

beforeAll(async () => {
  redis = await startRedis();
  raw = new Redis(redis.url);
  store = createIoredisStore(redis.url);
  node = await spawnNode({
    NODE_ID: NODE,
    CLUSTER_ID: CLUSTER,
    REDIS_URL: redis.url,
    FLUSH_INTERVAL_MS: '300',
    COMMAND_SIGNING_KEY: KEY,
    COMMAND_CLOCK_SKEW_MS: String(SKEW_MS),
  });
  await eventually(
    async () => (await store.forCluster(CLUSTER).readNodes()).some((n) => n.raw),
    5000,
    'node flushed',
  );
});

afterAll(async () => {
  closeAll();
  if (node?.child.exitCode === null) node.child.kill('SIGCONT');
  await node?.kill();
  raw?.disconnect();
  await store?.close();
  await redis?.stop();
});

function envelope(command: Command, issuedAt = Date.now(), lifetimeMs = 2000): CommandEnvelope {
  return {
    id: randomUUID(),
    cluster: CLUSTER,
    target: NODE,
    actor: 'admin-token',
    issuedAt,
    expiresAt: issuedAt + lifetimeMs,
    command,
  };
}

async function signed(command: Command, issuedAt?: number, lifetimeMs?: number): Promise<CommandEnvelope> {
  const unsigned = envelope(command, issuedAt, lifetimeMs);
  return { ...unsigned, sig: await signer.sign(unsigned) };
}

/** What anyone with Redis access can do: PUBLISH on the node's own command channel. */
const publish = (e: CommandEnvelope) =>
  raw.publish(clusterKeys(CLUSTER).nodeCommands(NODE), JSON.stringify(e));

const acksOf = (e: CommandEnvelope): Promise<CommandAck[]> => recordedAcks(store.forCluster(CLUSTER), e.id);

async function ackOf(e: CommandEnvelope): Promise<CommandAck> {
  return eventually(async () => (await acksOf(e))[0], 5000, `ack of ${e.command.type} ${e.id}`);
}

/** A signed no-op sent after the commands under test: once it is acked, the node handled them all. */
async function sentinel(): Promise<void> {
  const e = await signed({ type: 'disconnect-socket', socketId: 'sentinel' });
  await publish(e);
  expect(await ackOf(e)).toMatchObject({ ok: true, affected: 0 });
}

const client = (sub: string): Promise<ClientSocket> => openAs(`${node.url}/portal`, { sub, role: 'client' });

async function rejectedCount(): Promise<number> {
  const record = (await store.forCluster(CLUSTER).readNodes()).find((n) => n.nodeId === NODE);
  return record?.raw ? (JSON.parse(record.raw) as NodeSnapshot).counters.commandsRejected : -1;
}

describe('a node with COMMAND_SIGNING_KEY', () => {
  it('refuses a command published straight on its channel, unsigned or signed with another key', async () => {
    const victim = await client('victim-1');
    const before = await rejectedCount();
    const forged = envelope({ type: 'disconnect-all' });
    const wrongKey = envelope({ type: 'disconnect-user', userId: 'victim-1' });
    await publish(forged);
    await publish({ ...wrongKey, sig: await commandSigner(`${KEY}-guessed`).sign(wrongKey) });
    await sentinel();

    expect(victim.connected).toBe(true);
    expect(await acksOf(forged)).toMatchObject([
      {
        nodeId: NODE,
        ok: false,
        affected: 0,
        error: 'refused: unsigned: this node only runs commands signed with its COMMAND_SIGNING_KEY',
      },
    ]);
    expect(await acksOf(wrongKey)).toMatchObject([
      { ok: false, error: "refused: bad signature: not signed with this node's COMMAND_SIGNING_KEY" },
    ]);
    await eventually(async () => (await rejectedCount()) >= before + 2, 3000, 'refusals counted');
    expect(node.output()).toContain(
      `refused command ${forged.id} (disconnect-all by "admin-token"): unsigned`,
    );
  });

  it('runs a signed command once, and refuses its replay even after 1,100 other ids went by', async () => {
    await client('replayed-1');
    const kick = await signed({ type: 'disconnect-user', userId: 'replayed-1' }, Date.now(), 30_000);
    await publish(kick);
    expect(await ackOf(kick)).toMatchObject({ ok: true, affected: 1 });

    const back = await client('replayed-1');
    const others = await Promise.all(
      Array.from({ length: 1100 }, () => signed({ type: 'disconnect-socket', socketId: 'nobody' })),
    );
    const pipeline = raw.pipeline();
    for (const e of others) pipeline.publish(clusterKeys(CLUSTER).nodeCommands(NODE), JSON.stringify(e));
    await pipeline.exec();
    await publish(kick);
    await sentinel();

    expect(back.connected).toBe(true);
    expect(await acksOf(kick)).toHaveLength(1);
    expect(await acksOf(others.at(-1) as CommandEnvelope)).toMatchObject([{ ok: true }]);
  });

  it('refuses a correctly signed command issued in 2020', async () => {
    const victim = await client('old-1');
    const old = await signed({ type: 'disconnect-user', userId: 'old-1' }, Date.UTC(2020, 0, 1));
    await publish(old);
    await sentinel();
    expect(victim.connected).toBe(true);
    expect(await acksOf(old)).toMatchObject([
      { ok: false, error: expect.stringMatching(/^refused: expired \d+ ms ago/) },
    ]);
  });

  it('does not run, after SIGCONT, a command whose deadline passed while the node was stopped', async () => {
    const victim = await client('paused-1');
    node.child.kill('SIGSTOP');
    const late = await signed({ type: 'disconnect-user', userId: 'paused-1' }, Date.now(), 500);
    await publish(late);
    // Past the deadline and the node's skew allowance: the edge would have answered 207 by now.
    await sleep(500 + SKEW_MS + 500);
    node.child.kill('SIGCONT');
    await sentinel();

    expect(victim.connected).toBe(true);
    expect(await acksOf(late)).toMatchObject([
      {
        ok: false,
        affected: 0,
        error: expect.stringMatching(/^refused: expired \d+ ms ago \(clock-skew allowance 250 ms\)$/),
      },
    ]);
  });
});
