import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clusterKeys } from '../keys/index.ts';
import { sampleSnapshot } from '../merge/fixtures.ts';
import type { AlertRule, AlertState } from '../schema/alert.ts';
import type { AdminActionAuditEntry, CommandAuditEntry } from '../schema/audit.ts';
import type { CommandAck, CommandEnvelope } from '../schema/command.ts';
import { NodeSnapshot, type SocketRecord } from '../schema/snapshot.ts';
import { describeAggregateContract } from './aggregates-contract.ts';
import { NODE_SET_TTL_MS } from './codec.ts';
import { describeLedgerContract } from './ledger-contract.ts';
import type { CommandDelivery, SocketQuery, TelltaleStore, UnaddressedEnvelope } from './port.ts';
import { recordedAcks } from './recorded-acks.ts';

/** What the contract needs around a store to observe it from outside. */
export interface StoreHarness {
  store: TelltaleStore;
  /** Redis PTTL of a key: ms left, -1 without expiry, -2 when missing. */
  pttl(key: string): Promise<number>;
  /** Lets `ms` pass as the store sees it: memory moves its clock, Redis really waits. */
  elapse(ms: number): Promise<void>;
  /** Round trips to the store so far (requests on the wire), or null for an in-process store. */
  roundTrips(): number | null;
  close(): Promise<void>;
}

export interface StoreContractOptions {
  /** Whether `roundTrips()` counts anything; the one-round-trip proofs need it. */
  countsRoundTrips: boolean;
  /** Called with the measured round trips of the 50-node proofs, for the record. */
  report?: (line: string) => void;
}

const T0 = 1_700_000_000_000;
let clusterSeq = 0;
/** A fresh cluster id per test keeps tests independent on one shared Redis. */
const freshCluster = (label: string) => `contract-${label}-${process.pid}-${++clusterSeq}`;

function snapshotFor(cluster: string, nodeId: string, flushedAt = T0) {
  return sampleSnapshot({ node: { id: nodeId, cluster, flushedAt } });
}

function socket(nodeId: string, id: string, extra: Partial<SocketRecord> = {}): SocketRecord {
  return {
    id,
    nodeId,
    namespace: '/portal',
    userId: null,
    role: null,
    transport: 'websocket',
    connectedAt: T0,
    rooms: 0,
    roomNames: [],
    lastEventAt: null,
    ...extra,
  };
}

async function collectAll(
  store: TelltaleStore,
  cluster: string,
  query: Omit<SocketQuery, 'cursor'>,
): Promise<{ ids: string[]; pages: number }> {
  const ids: string[] = [];
  let cursor: string | undefined;
  let pages = 0;
  do {
    const page = await store.forCluster(cluster).listSockets({ ...query, ...(cursor ? { cursor } : {}) });
    expect(page.items.length).toBeLessThanOrEqual(query.limit);
    ids.push(...page.items.map((item) => item.id));
    cursor = page.nextCursor ?? undefined;
    pages += 1;
    if (pages > 10_000) throw new Error('listSockets never ended');
  } while (cursor);
  return { ids, pages };
}

function inbox() {
  const messages: string[] = [];
  const waiters: (() => void)[] = [];
  return {
    messages,
    push: (raw: string) => {
      messages.push(raw);
      for (const wake of waiters.splice(0)) wake();
    },
    async waitFor(count: number, timeoutMs = 2000): Promise<string[]> {
      const deadline = Date.now() + timeoutMs;
      while (messages.length < count) {
        const left = deadline - Date.now();
        if (left <= 0) throw new Error(`expected ${count} messages, got ${messages.length}`);
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, left);
          waiters.push(() => {
            clearTimeout(timer);
            resolve();
          });
        });
      }
      return messages.slice(0, count);
    },
  };
}

const settle = (ms = 100) => new Promise((resolve) => setTimeout(resolve, ms));

function envelope(cluster: string, id: string, target: string): CommandEnvelope {
  return {
    id,
    cluster,
    target,
    actor: 'ops@example.com',
    issuedAt: T0,
    expiresAt: T0 + 2000,
    command: { type: 'disconnect-user', userId: 'u1' },
  };
}

/** The same command before the store addresses it. */
function command(cluster: string, id: string): UnaddressedEnvelope {
  const { target: _target, ...rest } = envelope(cluster, id, '*');
  return rest;
}

function ack(commandId: string, nodeId: string, affected: number): CommandAck {
  return { commandId, nodeId, ok: true, affected, at: T0 };
}

function auditEntry(n: number): CommandAuditEntry {
  return {
    id: `cmd-${n}`,
    at: T0 + n,
    actor: 'ops@example.com',
    command: { type: 'maintenance', enabled: n % 2 === 0 },
    target: '*',
    result: { targeted: 2, acked: 2, missing: [], affected: n, complete: true },
  };
}

/** The one behaviour every store adapter must show; run it once per adapter. */
export function describeStoreContract(
  name: string,
  makeHarness: () => Promise<StoreHarness>,
  options: StoreContractOptions,
): void {
  describe(`store contract: ${name}`, () => {
    let h: StoreHarness;
    beforeAll(async () => {
      h = await makeHarness();
    });
    afterAll(async () => {
      await h?.close();
    });

    describeAggregateContract(() => h);
    describeLedgerContract(() => h);

    it('answers ping with a round-trip time', async () => {
      const ms = await h.store.ping();
      expect(ms).toBeGreaterThanOrEqual(0);
      expect(ms).toBeLessThan(1000);
    });

    it('reads back a flushed snapshot with its flush time', async () => {
      const cluster = freshCluster('flush');
      const snapshot = snapshotFor(cluster, 'node-a', T0 + 5);
      await h.store
        .forCluster(cluster)
        .flush({ snapshot, sockets: { upsert: [], remove: [] }, ttlMs: 15_000 });
      const records = await h.store.forCluster(cluster).readNodes();
      expect(records).toHaveLength(1);
      expect(records[0]?.nodeId).toBe('node-a');
      expect(records[0]?.lastFlushAt).toBe(T0 + 5);
      expect(NodeSnapshot.parse(JSON.parse(records[0]?.raw ?? 'null'))).toEqual(snapshot);
    });

    it('puts a TTL on every key a node writes', async () => {
      const cluster = freshCluster('ttl');
      const keys = clusterKeys(cluster);
      await h.store.forCluster(cluster).flush({
        snapshot: snapshotFor(cluster, 'node-a'),
        sockets: { upsert: [socket('node-a', 's1')], remove: [] },
        ttlMs: 15_000,
      });
      await h.store
        .forCluster(cluster)
        .writeAck({ commandId: 'c1', nodeId: 'node-a', ok: true, affected: 1, at: T0 }, 20_000);
      await h.store.forCluster(cluster).setPresence('u1', 'node-a', { status: 'online', sockets: 1 }, 25_000);
      const ttls = {
        node: await h.pttl(keys.node('node-a')),
        sockets: await h.pttl(keys.nodeSockets('node-a')),
        ack: await h.pttl(keys.ack('c1')),
        presence: await h.pttl(keys.presence('u1')),
        nodes: await h.pttl(keys.nodes),
      };
      expect(ttls.node).toBeGreaterThan(10_000);
      expect(ttls.node).toBeLessThanOrEqual(15_000);
      expect(ttls.sockets).toBeGreaterThan(10_000);
      expect(ttls.sockets).toBeLessThanOrEqual(15_000);
      expect(ttls.ack).toBeGreaterThan(15_000);
      expect(ttls.ack).toBeLessThanOrEqual(20_000);
      expect(ttls.presence).toBeGreaterThan(20_000);
      expect(ttls.presence).toBeLessThanOrEqual(25_000);
      expect(ttls.nodes).toBeGreaterThan(15_000);
      expect(ttls.nodes).toBeLessThanOrEqual(NODE_SET_TTL_MS);
    });

    it('keeps an expired node in the set with a null snapshot (lost), and its sockets gone', async () => {
      const cluster = freshCluster('lost');
      await h.store.forCluster(cluster).flush({
        snapshot: snapshotFor(cluster, 'node-a'),
        sockets: { upsert: [socket('node-a', 's1')], remove: [] },
        ttlMs: 150,
      });
      await h.store.forCluster(cluster).flush({
        snapshot: snapshotFor(cluster, 'node-b', T0 + 1),
        sockets: { upsert: [], remove: [] },
        ttlMs: 60_000,
      });
      await h.elapse(400);
      const records = await h.store.forCluster(cluster).readNodes();
      expect(records.map((r) => [r.nodeId, r.raw === null])).toEqual([
        ['node-a', true],
        ['node-b', false],
      ]);
      expect(
        await h.store
          .forCluster(cluster)
          .publishCommand(command(cluster, 'c-lost'), { to: 'socket-owner', socketId: 's1' }),
      ).toBeNull();
    });

    it('tells a flushing node whether its hashes had expired, so it can rewrite them whole', async () => {
      const cluster = freshCluster('expired');
      const flush = () =>
        h.store.forCluster(cluster).flush({
          snapshot: snapshotFor(cluster, 'node-a'),
          sockets: { upsert: [socket('node-a', 's1')], remove: [] },
          ttlMs: 150,
        });
      expect(await flush()).toEqual({ expired: true });
      expect(await flush()).toEqual({ expired: false });
      await h.elapse(400);
      expect(await flush()).toEqual({ expired: true });
      await h.store.forCluster(cluster).deregister('node-a');
      expect(await flush()).toEqual({ expired: true });
    });

    it('forgets a node that deregisters', async () => {
      const cluster = freshCluster('leave');
      const keys = clusterKeys(cluster);
      for (const id of ['node-a', 'node-b']) {
        await h.store.forCluster(cluster).flush({
          snapshot: snapshotFor(cluster, id),
          sockets: { upsert: [socket(id, `${id}-s1`)], remove: [] },
          ttlMs: 15_000,
        });
      }
      await h.store.forCluster(cluster).deregister('node-a');
      expect((await h.store.forCluster(cluster).readNodes()).map((r) => r.nodeId)).toEqual(['node-b']);
      expect(await h.pttl(keys.node('node-a'))).toBe(-2);
      expect(await h.pttl(keys.nodeSockets('node-a'))).toBe(-2);
      expect(
        await h.store.forCluster(cluster).publishCommand(command(cluster, 'c-left'), {
          to: 'socket-owner',
          socketId: 'node-a-s1',
        }),
      ).toBeNull();
    });

    it('keeps a leaving node readable as a farewell, out of the live set, until deregistered', async () => {
      const cluster = freshCluster('farewell');
      const keys = clusterKeys(cluster);
      for (const id of ['node-a', 'node-b']) {
        await h.store.forCluster(cluster).flush({
          snapshot: snapshotFor(cluster, id),
          sockets: { upsert: [socket(id, `${id}-s1`)], remove: [] },
          ttlMs: 15_000,
        });
      }
      const final = sampleSnapshot({
        node: { id: 'node-a', cluster, flushedAt: T0 + 700, mode: 'draining' },
        counters: { eventsIn: 351 },
      });
      await h.store.forCluster(cluster).leave({ snapshot: final, ttlMs: 15_000 });

      const records = await h.store.forCluster(cluster).readNodes();
      const left = records.find((r) => r.nodeId === 'node-a');
      expect(left).toMatchObject({ lastFlushAt: T0 + 700, raw: null });
      expect(NodeSnapshot.parse(JSON.parse(left?.farewell ?? 'null')).counters.eventsIn).toBe(351);
      expect(records.find((r) => r.nodeId === 'node-b')?.farewell ?? null).toBeNull();
      expect(await h.pttl(keys.nodeSockets('node-a'))).toBe(-2);
      expect(await h.pttl(keys.nodeFarewell('node-a'))).toBeGreaterThan(10_000);
      const broadcast = await h.store
        .forCluster(cluster)
        .publishCommand(command(cluster, 'c-farewell'), { to: 'live-nodes' });
      expect(broadcast?.targeted).toEqual(['node-b']);

      await h.store.forCluster(cluster).deregister('node-a');
      expect((await h.store.forCluster(cluster).readNodes()).map((r) => r.nodeId)).toEqual(['node-b']);
      expect(await h.pttl(keys.nodeFarewell('node-a'))).toBe(-2);
    });

    it('prunes nodes whose last flush is older than a cutoff', async () => {
      const cluster = freshCluster('prune');
      for (const [id, at] of [
        ['node-a', T0 + 1000],
        ['node-b', T0 + 2000],
        ['node-c', T0 + 3000],
      ] as const) {
        await h.store.forCluster(cluster).flush({
          snapshot: snapshotFor(cluster, id, at),
          sockets: { upsert: [], remove: [] },
          ttlMs: 15_000,
        });
      }
      expect((await h.store.forCluster(cluster).pruneNodes(T0 + 2500)).sort()).toEqual(['node-a', 'node-b']);
      expect((await h.store.forCluster(cluster).readNodes()).map((r) => r.nodeId)).toEqual(['node-c']);
      expect(await h.store.forCluster(cluster).pruneNodes(T0 + 2500)).toEqual([]);
    });

    it('applies socket deltas and wholesale replacement', async () => {
      const cluster = freshCluster('delta');
      const snapshot = snapshotFor(cluster, 'node-a');
      const ids = async () =>
        (await collectAll(h.store, cluster, { limit: 50 })).ids.sort((a, b) => (a < b ? -1 : 1));
      await h.store.forCluster(cluster).flush({
        snapshot,
        sockets: { upsert: ['s1', 's2', 's3'].map((id) => socket('node-a', id)), remove: [] },
        ttlMs: 15_000,
      });
      expect(await ids()).toEqual(['s1', 's2', 's3']);
      await h.store.forCluster(cluster).flush({
        snapshot,
        sockets: { upsert: [socket('node-a', 's4', { userId: 'u9' })], remove: ['s2'] },
        ttlMs: 15_000,
      });
      expect(await ids()).toEqual(['s1', 's3', 's4']);
      const page = await h.store.forCluster(cluster).listSockets({ limit: 10, search: 's4' });
      expect(page.items).toEqual([socket('node-a', 's4', { userId: 'u9' })]);
      await h.store.forCluster(cluster).flush({
        snapshot,
        sockets: { upsert: [socket('node-a', 's9')], remove: [] },
        ttlMs: 15_000,
        replaceSockets: true,
      });
      expect(await ids()).toEqual(['s9']);
      await h.store
        .forCluster(cluster)
        .flush({ snapshot, sockets: { upsert: [], remove: ['s9'] }, ttlMs: 15_000 });
      expect(await ids()).toEqual([]);
    });

    it('addresses a socket command to the node that holds the socket', async () => {
      const cluster = freshCluster('owner');
      for (const id of ['node-a', 'node-b', 'node-c']) {
        await h.store.forCluster(cluster).flush({
          snapshot: snapshotFor(cluster, id),
          sockets: { upsert: [socket(id, `${id}-x`), socket(id, `${id}-y`)], remove: [] },
          ttlMs: 15_000,
        });
      }
      const ownerOf = async (socketId: string) =>
        (
          await h.store
            .forCluster(cluster)
            .publishCommand(command(cluster, `c-${socketId}`), { to: 'socket-owner', socketId })
        )?.targeted ?? null;
      expect(await ownerOf('node-b-y')).toEqual(['node-b']);
      expect(await ownerOf('node-c-x')).toEqual(['node-c']);
      expect(await ownerOf('nobody')).toBeNull();
    });

    it('pages through every socket of every node exactly once, with filters', async () => {
      const cluster = freshCluster('list');
      const all: SocketRecord[] = [];
      for (const [nodeId, count] of [
        ['node-a', 260],
        ['node-b', 37],
        ['node-c', 0],
        ['node-d', 91],
      ] as const) {
        const sockets = Array.from({ length: count }, (_, i) =>
          socket(nodeId, `${nodeId}-sock-${i}`, {
            namespace: i % 3 === 0 ? '/hub' : '/portal',
            userId: i % 5 === 0 ? null : `user-${i % 17}`,
            roomNames: i % 4 === 0 ? ['thread:1', `user:user-${i % 17}`] : [],
            rooms: i % 4 === 0 ? 2 : 0,
          }),
        );
        all.push(...sockets);
        await h.store.forCluster(cluster).flush({
          snapshot: snapshotFor(cluster, nodeId),
          sockets: { upsert: sockets, remove: [] },
          ttlMs: 15_000,
        });
      }
      const expectExactlyOnce = async (
        query: Omit<SocketQuery, 'cursor'>,
        keep: (s: SocketRecord) => boolean,
      ) => {
        const { ids } = await collectAll(h.store, cluster, query);
        expect(new Set(ids).size).toBe(ids.length);
        expect([...ids].sort()).toEqual(
          all
            .filter(keep)
            .map((s) => s.id)
            .sort(),
        );
      };
      const everything = await collectAll(h.store, cluster, { limit: 25 });
      expect(everything.pages).toBeGreaterThanOrEqual(Math.ceil(all.length / 25));
      await expectExactlyOnce({ limit: 25 }, () => true);
      await expectExactlyOnce({ limit: 7, namespace: '/hub' }, (s) => s.namespace === '/hub');
      await expectExactlyOnce({ limit: 10, userId: 'user-3' }, (s) => s.userId === 'user-3');
      await expectExactlyOnce({ limit: 9, room: 'thread:1' }, (s) => s.roomNames.includes('thread:1'));
      await expectExactlyOnce({ limit: 50, nodeId: 'node-d' }, (s) => s.nodeId === 'node-d');
      await expectExactlyOnce({ limit: 4, search: 'sock-1' }, (s) => s.id.includes('sock-1'));
      await expectExactlyOnce({ limit: 4, search: 'user-16' }, (s) => s.userId === 'user-16');
      await expectExactlyOnce(
        { limit: 3, nodeId: 'node-a', namespace: '/hub', room: 'thread:1' },
        (s) => s.nodeId === 'node-a' && s.namespace === '/hub' && s.roomNames.includes('thread:1'),
      );
      await expectExactlyOnce({ limit: 10, userId: 'nobody' }, () => false);
      const capped = await h.store.forCluster(cluster).listSockets({ limit: 100_000 });
      expect(capped.items.length).toBeLessThanOrEqual(500);
      await expect(
        h.store.forCluster(cluster).listSockets({ limit: 5, cursor: 'not-a-cursor' }),
      ).rejects.toThrow(/invalid socket cursor/);
    });

    it("publishes a command once on each addressed node's own channel, filling in the target", async () => {
      const cluster = freshCluster('cmd');
      for (const nodeId of ['node-a', 'node-b']) {
        await h.store.forCluster(cluster).flush({
          snapshot: snapshotFor(cluster, nodeId),
          sockets: { upsert: nodeId === 'node-b' ? [socket(nodeId, 'sock-b1')] : [], remove: [] },
          ttlMs: 15_000,
        });
      }
      const a = inbox();
      const b = inbox();
      const offA = await h.store.forCluster(cluster).subscribeCommands('node-a', a.push);
      const offB = await h.store.forCluster(cluster).subscribeCommands('node-b', b.push);
      try {
        expect(
          await h.store.forCluster(cluster).publishCommand(command(cluster, 'c-all'), { to: 'live-nodes' }),
        ).toEqual({
          targeted: ['node-a', 'node-b'],
          unreached: [],
        });
        expect(
          await h.store
            .forCluster(cluster)
            .publishCommand(command(cluster, 'c-b'), { to: 'node', nodeId: 'node-b' }),
        ).toEqual({ targeted: ['node-b'], unreached: [] });
        expect(
          await h.store.forCluster(cluster).publishCommand(command(cluster, 'c-sock'), {
            to: 'socket-owner',
            socketId: 'sock-b1',
          }),
        ).toEqual({ targeted: ['node-b'], unreached: [] });
        expect(
          await h.store.forCluster(cluster).publishCommand(command(cluster, 'c-nobody'), {
            to: 'socket-owner',
            socketId: 'nope',
          }),
        ).toBeNull();
        const [toA] = await a.waitFor(1);
        const toB = await b.waitFor(3);
        expect(JSON.parse(toA ?? '')).toEqual(envelope(cluster, 'c-all', '*'));
        expect(toB.map((raw) => JSON.parse(raw))).toEqual([
          envelope(cluster, 'c-all', '*'),
          envelope(cluster, 'c-b', 'node-b'),
          envelope(cluster, 'c-sock', 'node-b'),
        ]);
        // Sentinel: a command after the others; once it is in, any duplicate of theirs is too.
        await h.store
          .forCluster(cluster)
          .publishCommand(command(cluster, 'c-sentinel'), { to: 'live-nodes' });
        await a.waitFor(2);
        await b.waitFor(4);
        // Each node got each command once.
        expect(a.messages.map((raw) => JSON.parse(raw).id)).toEqual(['c-all', 'c-sentinel']);
        expect(b.messages.map((raw) => JSON.parse(raw).id)).toEqual(['c-all', 'c-b', 'c-sock', 'c-sentinel']);
      } finally {
        await offA();
        await offB();
      }
    });

    it('names a node nobody listens for as unreached at once, and skips expired ones', async () => {
      const cluster = freshCluster('dead');
      for (const [nodeId, ttlMs] of [
        ['node-a', 15_000],
        ['node-dead', 15_000],
        ['node-gone', 200],
      ] as const) {
        await h.store.forCluster(cluster).flush({
          snapshot: snapshotFor(cluster, nodeId),
          sockets: { upsert: [socket(nodeId, `sock-${nodeId}`)], remove: [] },
          ttlMs,
        });
      }
      await h.elapse(300);
      const a = inbox();
      const off = await h.store.forCluster(cluster).subscribeCommands('node-a', a.push);
      expect(
        await h.store.forCluster(cluster).publishCommand(command(cluster, 'c1'), { to: 'live-nodes' }),
      ).toEqual({
        targeted: ['node-a', 'node-dead'],
        unreached: ['node-dead'],
      });
      expect(
        await h.store.forCluster(cluster).publishCommand(command(cluster, 'c2'), {
          to: 'socket-owner',
          socketId: 'sock-node-dead',
        }),
      ).toEqual({ targeted: ['node-dead'], unreached: ['node-dead'] });
      await a.waitFor(1).finally(off);
      // Over Upstash REST the server drops the subscription when it sees the stream closed: soon.
      let delivery: CommandDelivery | null = null;
      for (let attempt = 0; attempt < 40 && delivery?.unreached.length !== 2; attempt++) {
        if (attempt > 0) await settle(50);
        delivery = await h.store
          .forCluster(cluster)
          .publishCommand(command(cluster, `c3-${attempt}`), { to: 'live-nodes' });
      }
      expect(delivery).toEqual({ targeted: ['node-a', 'node-dead'], unreached: ['node-a', 'node-dead'] });
    });

    it("binds a view to one cluster: it reads only that cluster and refuses another's command", async () => {
      const cluster = freshCluster('bound');
      const other = freshCluster('bound-other');
      const store = h.store.forCluster(cluster);
      expect({ kind: store.kind, cluster: store.cluster }).toEqual({ kind: h.store.kind, cluster });
      await store.flush({
        snapshot: snapshotFor(cluster, 'node-a', T0),
        sockets: { upsert: [], remove: [] },
        ttlMs: 15_000,
      });
      expect((await store.readNodes()).map((n) => n.nodeId)).toEqual(['node-a']);
      expect(await h.store.forCluster(other).readNodes()).toEqual([]);
      await expect(store.publishCommand(command(other, 'c-other'), { to: 'live-nodes' })).rejects.toThrow(
        `command c-other is for cluster '${other}', but this store is bound to '${cluster}'`,
      );
    });

    it('records acks in a list, read by a watch opened after them', async () => {
      const cluster = freshCluster('acks');
      await h.store.forCluster(cluster).writeAck(ack('c-all', 'node-a', 2), 30_000);
      await h.store
        .forCluster(cluster)
        .writeAck({ ...ack('c-all', 'node-b', 0), ok: false, error: 'maintenance' }, 30_000);
      expect(await recordedAcks(h.store.forCluster(cluster), 'c-all')).toEqual([
        ack('c-all', 'node-a', 2),
        { ...ack('c-all', 'node-b', 0), ok: false, error: 'maintenance' },
      ]);
      expect(await recordedAcks(h.store.forCluster(cluster), 'c-none')).toEqual([]);
    });

    it('hands a watch each ack as it lands, pushed where the store holds a subscription', async () => {
      const cluster = freshCluster('watch');
      const watch = await h.store.forCluster(cluster).watchAcks('c1');
      const before = h.roundTrips();
      const started = Date.now();
      const waiting = watch.wait(['node-a', 'node-b'], 10_000);
      await settle(30);
      await h.store.forCluster(cluster).writeAck(ack('c1', 'node-a', 2), 30_000);
      await h.store.forCluster(cluster).writeAck(ack('other-command', 'node-b', 5), 30_000);
      await h.store.forCluster(cluster).writeAck(ack('c1', 'node-b', 1), 30_000);
      const acks = await waiting;
      expect(Date.now() - started).toBeLessThan(2000);
      expect(acks).toEqual([ack('c1', 'node-a', 2), ack('c1', 'node-b', 1)]);
      const trips = h.roundTrips();
      if (trips !== null && before !== null) {
        // Pushed: only the three ack writes touched the store; polled: at least one read more.
        if (h.store.kind === 'upstash') expect(trips - before).toBeGreaterThan(3);
        else expect(trips - before).toBe(3);
      }
    });

    it('still sees acks written before the wait, and answers partially at the deadline', async () => {
      const cluster = freshCluster('late');
      // Written before the watch opened: no push can bring it, the list still does.
      await h.store.forCluster(cluster).writeAck(ack('c1', 'node-a', 1), 30_000);
      const early = await h.store.forCluster(cluster).watchAcks('c1');
      expect(await early.wait(['node-a'], 300)).toEqual([ack('c1', 'node-a', 1)]);

      const watch = await h.store.forCluster(cluster).watchAcks('c2');
      await h.store.forCluster(cluster).writeAck(ack('c2', 'node-a', 3), 30_000);
      await settle(30);
      const started = Date.now();
      const acks = await watch.wait(['node-a', 'node-silent'], 250);
      const waited = Date.now() - started;
      expect(acks).toEqual([ack('c2', 'node-a', 3)]);
      expect(waited).toBeGreaterThanOrEqual(200);
      expect(waited).toBeLessThan(2000);

      const closed = await h.store.forCluster(cluster).watchAcks('c3');
      closed.close();
      closed.close();
      // Closing twice leaves the store's ack feed working for the next watch of the same command.
      const reopened = await h.store.forCluster(cluster).watchAcks('c3');
      const startedAgain = Date.now();
      const waiting = reopened.wait(['node-a'], 10_000);
      await h.store.forCluster(cluster).writeAck(ack('c3', 'node-a', 4), 30_000);
      expect(await waiting).toEqual([ack('c3', 'node-a', 4)]);
      expect(Date.now() - startedAgain).toBeLessThan(2000);
    });

    it('keeps a capped audit, read newest first with a cursor', async () => {
      const cluster = freshCluster('audit');
      for (let n = 1; n <= 7; n++) await h.store.forCluster(cluster).appendAudit(auditEntry(n), 5);
      const seen: string[] = [];
      let cursor: string | undefined;
      let pages = 0;
      do {
        const page = await h.store.forCluster(cluster).readAudit({ limit: 2, ...(cursor ? { cursor } : {}) });
        expect(page.items.length).toBeLessThanOrEqual(2);
        seen.push(...page.items.map((entry) => entry.id));
        cursor = page.nextCursor ?? undefined;
        pages += 1;
      } while (cursor && pages < 10);
      expect(seen).toEqual(['cmd-7', 'cmd-6', 'cmd-5', 'cmd-4', 'cmd-3']);
      expect(pages).toBe(3);
      const first = await h.store.forCluster(cluster).readAudit({ limit: 1 });
      expect(first.items).toEqual([auditEntry(7)]);
      expect((await h.store.forCluster(freshCluster('audit-empty')).readAudit({ limit: 5 })).items).toEqual(
        [],
      );
    });

    it('keeps admin actions in the same audit stream as commands, each read back whole', async () => {
      const cluster = freshCluster('audit-actions');
      const action: AdminActionAuditEntry = {
        kind: 'action',
        id: 'act-1',
        at: T0 + 20,
        actor: 'ops@example.com',
        role: 'admin',
        action: 'silence-create',
        subject: 'sil-1',
        summary: "mute rule 'high-errors' for 3600 s: deploy",
        outcome: 'applied',
      };
      await h.store.forCluster(cluster).appendAudit(auditEntry(1), 5);
      await h.store.forCluster(cluster).appendAudit(action, 5);
      await h.store.forCluster(cluster).appendAudit(auditEntry(2), 5);
      const page = await h.store.forCluster(cluster).readAudit({ limit: 2 });
      expect(page.items).toEqual([auditEntry(2), action]);
      const rest = await h.store.forCluster(cluster).readAudit({ limit: 2, cursor: page.nextCursor ?? '' });
      expect(rest).toEqual({ items: [auditEntry(1)], nextCursor: null });
    });

    it('rejects an audit cursor it did not issue as InvalidCursorError', async () => {
      const cluster = freshCluster('audit-cursor');
      await h.store.forCluster(cluster).appendAudit(auditEntry(1), 5);
      for (const cursor of ['99999999999999999999999-0', '18446744073709551616-0', '0-0', '1-2-3', 'abc']) {
        await expect(h.store.forCluster(cluster).readAudit({ limit: 1, cursor })).rejects.toMatchObject({
          name: 'InvalidCursorError',
          message: expect.stringMatching(/^invalid audit cursor/),
        });
      }
      expect(
        (await h.store.forCluster(cluster).readAudit({ limit: 1, cursor: '18446744073709551615-0' })).items,
      ).toEqual([auditEntry(1)]);
    });

    it('round-trips alert rules and alert state', async () => {
      const cluster = freshCluster('alerts');
      expect(await h.store.forCluster(cluster).readAlertRules()).toBeNull();
      expect(await h.store.forCluster(cluster).readAlertState()).toEqual({});
      const rules: AlertRule[] = [
        {
          id: 'redis-down',
          description: 'Redis unreachable',
          metric: 'redis.connected',
          comparison: '==',
          threshold: 0,
          forMs: 10_000,
          hysteresis: 0.1,
          severity: 'critical',
          enabled: true,
        },
      ];
      const state: Record<string, AlertState> = {
        'redis-down': {
          ruleId: 'redis-down',
          phase: 'firing',
          severity: 'critical',
          since: T0,
          value: 0,
          firedAt: T0 + 10_000,
          resolvedAt: null,
        },
      };
      await h.store.forCluster(cluster).writeAlertRules(rules);
      await h.store.forCluster(cluster).writeAlertState(state);
      expect(await h.store.forCluster(cluster).readAlertRules()).toEqual(rules);
      expect(await h.store.forCluster(cluster).readAlertState()).toEqual(state);
      expect(await h.pttl(clusterKeys(cluster).alerts)).toBe(-1);
    });

    it('keeps alert documents beside the rules, each under its own name', async () => {
      const store = h.store.forCluster(freshCluster('alert-documents'));
      expect(await store.readAlertDocument('silences')).toBeNull();
      await store.writeAlertRules([]);
      await store.writeAlertDocument('silences', '[{"id":"s1"}]');
      await store.writeAlertDocument('availability', 'AAEC');
      await store.writeAlertDocument('silences', '[]');
      expect(await store.readAlertDocument('silences')).toBe('[]');
      expect(await store.readAlertDocument('availability')).toBe('AAEC');
      expect(await store.readAlertRules()).toEqual([]);
    });

    it('folds presence across nodes and lets each node share expire on its own', async () => {
      const cluster = freshCluster('presence');
      expect(await h.store.forCluster(cluster).getPresence('u1')).toBeNull();
      await h.store.forCluster(cluster).setPresence('u1', 'node-b', { status: 'away', sockets: 1 }, 5_000);
      await h.store.forCluster(cluster).setPresence('u1', 'node-a', { status: 'online', sockets: 2 }, 150);
      expect(await h.store.forCluster(cluster).getPresence('u1')).toMatchObject({
        userId: 'u1',
        status: 'online',
        nodes: { 'node-a': 2, 'node-b': 1 },
      });
      expect(await h.pttl(clusterKeys(cluster).presence('u1'))).toBeGreaterThan(4_000);
      await h.elapse(400);
      expect(await h.store.forCluster(cluster).getPresence('u1')).toMatchObject({
        status: 'away',
        nodes: { 'node-b': 1 },
      });
      await h.store.forCluster(cluster).setPresence('u1', 'node-b', { status: 'away', sockets: 0 }, 5_000);
      expect(await h.store.forCluster(cluster).getPresence('u1')).toBeNull();
    });

    it('publishes business events to subscribers', async () => {
      const cluster = freshCluster('events');
      const got = inbox();
      const off = await h.store.forCluster(cluster).subscribeEvents(got.push);
      await h.store.forCluster(cluster).publishEvent('{"type":"thread:message","id":1}');
      expect(await got.waitFor(1)).toEqual(['{"type":"thread:message","id":1}']);
      await off();
      // Sentinel: a subscriber opened after off() gets the late event, so the old one had its chance.
      const witness = inbox();
      const offWitness = await h.store.forCluster(cluster).subscribeEvents(witness.push);
      await h.store.forCluster(cluster).publishEvent('{"type":"late"}');
      expect(await witness.waitFor(1)).toEqual(['{"type":"late"}']);
      await offWitness();
      expect(got.messages).toEqual(['{"type":"thread:message","id":1}']);
    });

    if (options.countsRoundTrips) {
      it('flushes, reads 50 nodes and publishes to a socket owner in one round trip each', async () => {
        const cluster = freshCluster('rtt');
        const ids = Array.from({ length: 50 }, (_, i) => `node-${String(i).padStart(2, '0')}`);
        const flushOf = (id: string) =>
          h.store.forCluster(cluster).flush({
            snapshot: snapshotFor(cluster, id),
            sockets: { upsert: [socket(id, `${id}-s1`), socket(id, `${id}-s2`)], remove: [`${id}-gone`] },
            ttlMs: 15_000,
          });
        for (const id of ids) await flushOf(id);
        // Scripts are loaded on first use; count the steady state.
        await h.store.forCluster(cluster).readNodes();
        await h.store.forCluster(cluster).readCluster();
        await h.store.forCluster(cluster).listRooms({ limit: 10 });
        await h.store.forCluster(cluster).publishCommand(command(cluster, 'c-warm-up'), {
          to: 'socket-owner',
          socketId: 'warm-up',
        });

        const count = async (op: () => Promise<unknown>) => {
          const before = h.roundTrips() ?? 0;
          await op();
          return (h.roundTrips() ?? 0) - before;
        };
        const flushTrips = await count(() => flushOf('node-49'));
        let records: unknown[] = [];
        const readTrips = await count(async () => {
          records = await h.store.forCluster(cluster).readNodes();
        });
        let view: unknown[] = [];
        const clusterTrips = await count(async () => {
          view = (await h.store.forCluster(cluster).readCluster()).nodes;
        });
        const roomTrips = await count(() => h.store.forCluster(cluster).listRooms({ limit: 10 }));
        let owner: string[] | null = null;
        const ownerTrips = await count(async () => {
          owner =
            (
              await h.store.forCluster(cluster).publishCommand(command(cluster, 'c-rtt'), {
                to: 'socket-owner',
                socketId: 'node-37-s2',
              })
            )?.targeted ?? null;
        });
        options.report?.(
          `${name}: flush=${flushTrips} readNodes(50)=${readTrips} readCluster(50)=${clusterTrips} listRooms=${roomTrips} publish-to-owner(50)=${ownerTrips} round trips`,
        );
        expect(records).toHaveLength(50);
        expect(view).toHaveLength(50);
        expect(owner).toEqual(['node-37']);
        expect({ flushTrips, readTrips, clusterTrips, roomTrips, ownerTrips }).toEqual({
          flushTrips: 1,
          readTrips: 1,
          clusterTrips: 1,
          roomTrips: 1,
          ownerTrips: 1,
        });
      });
    }
  });
}
