import { polledAckWatch, pushedAckWatch } from '../commands/ack-watch.ts';
import { clusterKeys } from '../keys/index.ts';
import {
  AGGREGATE_LABELS,
  type AggregateChanges,
  CLUSTER_TOP_ROOMS,
  type ClusterAggregates,
} from '../schema/aggregates.ts';
import type { AuditEntry } from '../schema/audit.ts';
import type { CommandAck } from '../schema/command.ts';
import type { SocketDelta, SocketRecord } from '../schema/snapshot.ts';
import { provideTaps } from '../tap/registry.ts';
import { redisTaps } from '../tap/store.ts';
import {
  aggregateBlock,
  DROP_CONTRIBUTION,
  FLUSH_NODE,
  LEAVE_NODE,
  LIST_ROOMS,
  READ_CLUSTER,
  REMOVE_NODES,
} from './aggregate-scripts.ts';
import {
  AGGREGATE_CHUNK_ENTRIES,
  aggregateArgs,
  aggregateNamespace,
  chunkChanges,
  decodeRoomCursor,
  encodeRoomCursor,
  parseRoomMember,
  prefixCounts,
} from './aggregates.ts';
import {
  decodeAcks,
  decodeAlertRules,
  decodeAlertState,
  decodeAuditEntry,
  decodeSocket,
  encodeAlertState,
  NODE_SET_TTL_MS,
  requireOwnCluster,
  requirePositiveTtl,
} from './codec.ts';
import { assertAuditCursor, InvalidCursorError, isUint64 } from './cursor.ts';
import { type ClusterLedger, LEDGER_LABEL_PART_NAMES, ledgerSketchOf } from './ledger.ts';
import type {
  ClusterStore,
  CommandDelivery,
  NodeRecord,
  Page,
  PulseRecord,
  TelltaleStore,
  Unsubscribe,
} from './port.ts';
import { foldPresence, presenceShare } from './presence.ts';
import {
  APPEND_AUDIT,
  HASH_ALL,
  HASH_FIELD,
  keyTemplate,
  LIST_ALL,
  LIST_SOCKETS,
  type LuaScript,
  PUBLISH_COMMAND,
  READ_AUDIT,
  READ_NODES,
  SET_PRESENCE,
} from './scripts.ts';
import {
  decodeSocketCursor,
  encodeSocketCursor,
  SOCKET_SCAN_BUDGET,
  socketNeedles,
  socketPageLimit,
} from './socket-query.ts';

/** The writes a transaction may carry; each adapter maps them onto its client. */
export type WriteOp =
  | { op: 'hset'; key: string; fields: Record<string, string> }
  | { op: 'hdel'; key: string; fields: string[] }
  | { op: 'del'; keys: string[] }
  | { op: 'pexpire'; key: string; ms: number }
  | { op: 'zadd'; key: string; score: number; member: string }
  | { op: 'zrem'; key: string; members: string[] }
  | { op: 'rpush'; key: string; values: string[] }
  | { op: 'publish'; channel: string; message: string; sharded?: boolean };

/** The same writes as plain Redis command arrays. */
export function writeOpArgs(write: WriteOp): [string, ...(string | number)[]] {
  switch (write.op) {
    case 'hset':
      return ['HSET', write.key, ...Object.entries(write.fields).flat()];
    case 'hdel':
      return ['HDEL', write.key, ...write.fields];
    case 'del':
      return ['DEL', ...write.keys];
    case 'pexpire':
      return ['PEXPIRE', write.key, write.ms];
    case 'zadd':
      return ['ZADD', write.key, write.score, write.member];
    case 'zrem':
      return ['ZREM', write.key, ...write.members];
    case 'rpush':
      return ['RPUSH', write.key, ...write.values];
    case 'publish':
      return [write.sharded ? 'SPUBLISH' : 'PUBLISH', write.channel, write.message];
  }
}

/**
 * What a Redis client must offer for the shared store logic: a MULTI/EXEC of writes, a Lua
 * script, publish and subscribe — each one round trip. Replies come back as Redis sent them
 * (strings, integers, nulls, nested arrays).
 */
export interface RedisTransport {
  readonly kind: 'ioredis' | 'upstash';
  /**
   * Whether a subscription stays open on a connection of its own, so the edge can wait for pushed
   * acks (ioredis); over Upstash REST every subscription is a streaming request, so acks are polled.
   */
  readonly longLivedSubscriptions: boolean;
  /**
   * Redis Cluster: the per-node command channels and the ack channel use sharded pub/sub
   * (SPUBLISH / SSUBSCRIBE), so a publish counts every subscriber of the slot's shard, not only
   * those connected to the node that ran it. Business events stay on classic pub/sub.
   */
  readonly shardedPubSub?: boolean;
  ping(): Promise<void>;
  /** MULTI/EXEC; resolves with one reply per write, in order. */
  transaction(writes: WriteOp[]): Promise<unknown[]>;
  script(script: LuaScript, keys: string[], args: string[]): Promise<unknown>;
  publish(channel: string, message: string): Promise<void>;
  subscribe(
    channels: string[],
    onMessage: (channel: string, message: string) => void,
    options?: { sharded?: boolean },
  ): Promise<Unsubscribe>;
  close(): Promise<void>;
}

export interface RedisStoreOptions {
  /** Clock for presence expiry; the default is the wall clock. */
  now?: () => number;
  /**
   * Where acks are polled (no long-lived subscriptions): the most polls one wait may make, default
   * no limit. Workers set `timings.workerAckPolls`, since every poll is a subrequest against a cap.
   */
  maxAckPolls?: number;
}

/** One subscription to a cluster's ack channel, shared by every command waiting for acks. */
interface AckFeed {
  listeners: Map<string, (ack: CommandAck) => void>;
  subscribed: Promise<Unsubscribe>;
}

function text(reply: unknown): string | null {
  if (reply === null || reply === undefined || reply === false) return null;
  if (typeof reply === 'string') return reply;
  if (typeof reply === 'number' || typeof reply === 'boolean') return String(reply);
  return JSON.stringify(reply);
}

function array(reply: unknown, what: string): unknown[] {
  if (Array.isArray(reply)) return reply;
  throw new Error(`unexpected Redis reply for ${what}: expected an array, got ${typeof reply}`);
}

function pairs(reply: unknown, what: string): [string, string | null][] {
  const flat = array(reply, what);
  const out: [string, string | null][] = [];
  for (let i = 0; i + 1 < flat.length; i += 2) out.push([text(flat[i]) ?? '', text(flat[i + 1])]);
  return out;
}

/** A flat [id, lastFlush, value, farewell, …] reply (READ_NODES, READ_CLUSTER) as one record per node. */
function flatRecords<T extends { farewell?: string | null }>(
  flat: unknown[],
  record: (nodeId: string, lastFlushAt: number, value: string | null) => T,
): T[] {
  const records: T[] = [];
  for (let i = 0; i + 3 < flat.length; i += 4) {
    const one = record(text(flat[i]) ?? '', Number(text(flat[i + 1])), text(flat[i + 2]));
    const farewell = text(flat[i + 3]);
    if (farewell !== null) one.farewell = farewell;
    records.push(one);
  }
  return records;
}

/** READ_NODES' records: each node with its snapshot. */
function nodeRecords(flat: unknown[]): NodeRecord[] {
  return flatRecords(flat, (nodeId, lastFlushAt, raw): NodeRecord => ({ nodeId, lastFlushAt, raw }));
}

/** READ_CLUSTER's records: each node with its pulse. */
function pulseRecords(flat: unknown[]): PulseRecord[] {
  return flatRecords(flat, (nodeId, lastFlushAt, pulse): PulseRecord => ({ nodeId, lastFlushAt, pulse }));
}

/** READ_CLUSTER's ledger parts: the label maps (KEYS order) and the two sketches' hashes. */
function ledgerOfReply(labels: unknown[], window: unknown[], cumulative: unknown[]): ClusterLedger {
  const read = {} as ClusterLedger['labels'];
  LEDGER_LABEL_PART_NAMES.forEach((part, i) => {
    const [distinct, top] = array(labels[i] ?? [0, []], 'readCluster');
    read[part] = {
      distinct: Number(text(distinct) ?? 0),
      top: pairs(top ?? [], 'readCluster').map(([label, count]) => [label, Number(count)]),
    };
  });
  const flat = (reply: unknown[]) => reply.map((v) => text(v));
  return { labels: read, window: ledgerSketchOf(flat(window)), cumulative: ledgerSketchOf(flat(cumulative)) };
}

/** Chunks one drop of a contribution may take: 1,000 × 2,000 entries, far past any node's caps. */
const MAX_DROP_CHUNKS = 1000;

/** TelltaleStore over any Redis transport: every key, script and codec decision lives here once. */
export function createRedisStore(transport: RedisTransport, options: RedisStoreOptions = {}): TelltaleStore {
  const now = options.now ?? Date.now;
  const sharded = transport.shardedPubSub === true;
  const ackFeeds = new Map<string, AckFeed>();

  const ackFeed = (cluster: string): AckFeed => {
    const existing = ackFeeds.get(cluster);
    if (existing) return existing;
    const listeners = new Map<string, (ack: CommandAck) => void>();
    const subscribed = transport.subscribe(
      [clusterKeys(cluster).acks],
      (_channel, message) => {
        for (const ack of decodeAcks([message])) listeners.get(ack.commandId)?.(ack);
      },
      { sharded },
    );
    const feed = { listeners, subscribed };
    ackFeeds.set(cluster, feed);
    // A failed subscribe is retried by the next command rather than remembered.
    subscribed.catch(() => {
      if (ackFeeds.get(cluster) === feed) ackFeeds.delete(cluster);
    });
    return feed;
  };

  const readAcks = async (cluster: string, commandId: string): Promise<CommandAck[]> => {
    const reply = await transport.script(LIST_ALL, [clusterKeys(cluster).ack(commandId)], []);
    return decodeAcks(array(reply, 'readAcks').map((raw) => text(raw) ?? ''));
  };

  async function ping(): Promise<number> {
    const start = performance.now();
    await transport.ping();
    return performance.now() - start;
  }

  const forCluster = (cluster: string): ClusterStore => {
    /** A contribution too large for one script, dropped a chunk per script until none is left. */
    const dropContribution = async (nodeId: string): Promise<void> => {
      const block = aggregateBlock(clusterKeys(cluster));
      for (let chunk = 0; chunk < MAX_DROP_CHUNKS; chunk++) {
        const left = await transport.script(DROP_CONTRIBUTION, block.keys, [
          ...block.args,
          nodeId,
          String(AGGREGATE_CHUNK_ENTRIES),
        ]);
        if (Number(left) === 0) return;
      }
      throw new Error(
        `the contribution of node '${nodeId}' was not dropped within ${MAX_DROP_CHUNKS} chunks`,
      );
    };
    /** Runs a script that answers 2 while a large contribution has to be dropped first. */
    const afterDrop = async (nodeId: string, run: () => Promise<unknown>): Promise<number> => {
      let reply = Number(await run());
      for (let attempt = 0; reply === 2 && attempt < 3; attempt++) {
        await dropContribution(nodeId);
        reply = Number(await run());
      }
      if (reply === 2) throw new Error(`node '${nodeId}' kept a contribution too large to drop`);
      return reply;
    };
    /** Deregister (`['ids', …]`) or prune (`['before', cutoff]`): the nodes go with their contributions. */
    const removeNodes = async (selection: string[], retry = true): Promise<string[]> => {
      const keys = clusterKeys(cluster);
      const block = aggregateBlock(keys);
      const reply = await transport.script(REMOVE_NODES, block.keys, [
        ...block.args,
        ...keyTemplate(keys.node),
        ...keyTemplate(keys.nodeSockets),
        ...keyTemplate(keys.nodeFarewell),
        ...selection,
      ]);
      const [removed = [], pending = []] = array(reply, 'removeNodes').map((part) =>
        array(part, 'removeNodes').map((id) => text(id) ?? ''),
      );
      if (pending.length === 0 || !retry) return removed;
      for (const id of pending) await dropContribution(id);
      // Once more, without a retry: a node that grew a large contribution again in between stays
      // lost in the set, and a read drops it.
      return [...removed, ...(await removeNodes(['ids', ...pending], false))];
    };
    return {
      kind: transport.kind,
      cluster,
      ping,

      async flush(input) {
        const ttl = requirePositiveTtl(input.ttlMs, 'flush');
        const keys = clusterKeys(cluster);
        const block = aggregateBlock(keys);
        const write = async (
          aggregates: AggregateChanges | undefined,
          socketDelta: SocketDelta,
          replaceSockets: boolean,
        ) => {
          const sockets: string[] = [String(socketDelta.upsert.length)];
          for (const socket of socketDelta.upsert) sockets.push(socket.id, JSON.stringify(socket));
          sockets.push(String(socketDelta.remove.length), ...socketDelta.remove);
          const reply = await afterDrop(input.snapshot.node.id, () =>
            transport.script(FLUSH_NODE, block.keys, [
              ...block.args,
              ...keyTemplate(keys.node),
              ...keyTemplate(keys.nodeSockets),
              input.snapshot.node.id,
              JSON.stringify(input.snapshot),
              String(ttl),
              String(input.snapshot.node.flushedAt),
              String(NODE_SET_TTL_MS),
              replaceSockets ? '1' : '0',
              ...aggregateArgs(aggregates),
              ...sockets,
            ]),
          );
          return reply === 1;
        };
        // A large change set goes in chunks (a rebuild of 50,000 users is ~50 scripts of ~50 ms,
        // not one that blocks Redis for seconds); the later chunks are deltas onto the first. A
        // delta whose first chunk found the node's keys expired was refused: the rest is not sent
        // (the node rewrites whole next). A whole one was applied either way.
        const [first, ...rest] = input.aggregates ? chunkChanges(input.aggregates) : [undefined];
        const expired = await write(first, input.sockets, input.replaceSockets === true);
        if (!expired || first?.whole) {
          for (const chunk of rest) await write(chunk, { upsert: [], remove: [] }, false);
        }
        return { expired };
      },

      async leave({ snapshot, ttlMs }) {
        const ttl = requirePositiveTtl(ttlMs, 'leave');
        const keys = clusterKeys(cluster);
        const block = aggregateBlock(keys);
        await afterDrop(snapshot.node.id, () =>
          transport.script(LEAVE_NODE, block.keys, [
            ...block.args,
            ...keyTemplate(keys.node),
            ...keyTemplate(keys.nodeSockets),
            ...keyTemplate(keys.nodeFarewell),
            snapshot.node.id,
            JSON.stringify(snapshot),
            String(ttl),
            String(snapshot.node.flushedAt),
          ]),
        );
      },

      async deregister(nodeId) {
        await removeNodes(['ids', nodeId]);
      },

      async readNodes() {
        const keys = clusterKeys(cluster);
        const reply = array(
          await transport.script(
            READ_NODES,
            [keys.nodes],
            [...keyTemplate(keys.node), ...keyTemplate(keys.nodeFarewell)],
          ),
          'readNodes',
        );
        return nodeRecords(reply);
      },

      async readCluster() {
        const keys = clusterKeys(cluster);
        const block = aggregateBlock(keys);
        const read = async () =>
          array(
            await transport.script(READ_CLUSTER, block.keys, [
              ...block.args,
              ...keyTemplate(keys.node),
              ...keyTemplate(keys.nodeFarewell),
              String(CLUSTER_TOP_ROOMS),
              String(AGGREGATE_LABELS),
            ]),
            'readCluster',
          ).map((part) => array(part, 'readCluster'));
        let reply = await read();
        // A lost node too large to drop inside the read: dropped in chunks, then read again (rare:
        // only the tick that finds such a node takes more than one round trip).
        for (let attempt = 0; (reply[6]?.length ?? 0) > 0 && attempt < 3; attempt++) {
          for (const id of reply[6] ?? []) await dropContribution(text(id) ?? '');
          reply = await read();
        }
        const [nodes, counts, prefixes, namespaces, namespaceSizes, top, , labels, window, cumulative] =
          reply;
        const number = (value: unknown) => Number(text(value) ?? 0);
        const [online, away, members, rooms] = (counts ?? []).map(number);
        const byNamespace: ClusterAggregates['rooms']['byNamespace'] = {};
        const namespacePairs = pairs(namespaces ?? [], 'readCluster');
        namespacePairs.forEach(([ns, count], i) => {
          byNamespace[ns] = { rooms: Number(count), members: number(namespaceSizes?.[i]) };
        });
        return {
          nodes: pulseRecords(nodes ?? []),
          ledger: ledgerOfReply(labels ?? [], window ?? [], cumulative ?? []),
          aggregates: {
            users: { online: online ?? 0, away: away ?? 0 },
            rooms: {
              total: rooms ?? 0,
              members: members ?? 0,
              byPrefix: prefixCounts(
                pairs(prefixes ?? [], 'readCluster').map(([prefix, n]) => [prefix, Number(n)]),
                rooms ?? 0,
              ),
              byNamespace,
              top: pairs(top ?? [], 'readCluster').map(([member, score]) =>
                parseRoomMember(member, -Number(score)),
              ),
            },
          },
        };
      },

      async listRooms(query) {
        const after = decodeRoomCursor(query.cursor, query);
        const keys = clusterKeys(cluster);
        const block = aggregateBlock(keys);
        const reply = array(
          await transport.script(LIST_ROOMS, block.keys, [
            ...block.args,
            query.namespace === undefined ? '' : aggregateNamespace(query.namespace),
            query.prefix ?? '',
            after,
            String(Math.max(1, Math.floor(query.limit))),
          ]),
          'listRooms',
        );
        const next = text(reply[2]);
        return {
          total: Number(text(reply[0]) ?? 0),
          items: pairs(reply[1], 'listRooms').map(([member, score]) =>
            parseRoomMember(member, -Number(score)),
          ),
          nextCursor: next === null ? null : encodeRoomCursor(next),
        };
      },

      pruneNodes(before) {
        return removeNodes(['before', String(before)]);
      },

      async listSockets(query) {
        const keys = clusterKeys(cluster);
        const from = query.cursor ? decodeSocketCursor(query.cursor) : { node: '', scan: '0', skip: 0 };
        // HSCAN fails the whole script on a cursor it cannot parse: refuse it before the round trip.
        if (!isUint64(from.scan)) {
          throw new InvalidCursorError(
            `invalid socket cursor '${query.cursor?.slice(0, 40)}': pass back the nextCursor of a previous page`,
          );
        }
        const filters = {
          node: query.nodeId,
          namespace: query.namespace,
          userId: query.userId,
          room: query.room,
          search: query.search || undefined,
        };
        const [next, values] = array(
          await transport.script(
            LIST_SOCKETS,
            [keys.nodes],
            [
              JSON.stringify(filters),
              ...keyTemplate(keys.nodeSockets),
              from.node,
              from.scan,
              String(from.skip),
              String(socketPageLimit(query.limit)),
              String(SOCKET_SCAN_BUDGET),
              JSON.stringify(socketNeedles(query)),
            ],
          ),
          'listSockets',
        );
        const items: SocketRecord[] = [];
        for (const value of array(values, 'listSockets')) {
          const record = decodeSocket(text(value) ?? '');
          if (record) items.push(record);
        }
        let nextCursor: string | null = null;
        if (Array.isArray(next)) {
          const [node, scan, skip] = next.map(text);
          nextCursor = encodeSocketCursor({ node: node ?? '', scan: scan ?? '0', skip: Number(skip) });
        }
        return { items, nextCursor };
      },

      async publishCommand(envelope, address) {
        requireOwnCluster(envelope, cluster);
        const keys = clusterKeys(cluster);
        const subject =
          address.to === 'node' ? address.nodeId : address.to === 'socket-owner' ? address.socketId : '';
        const reply = await transport.script(
          PUBLISH_COMMAND,
          [keys.nodes],
          [
            address.to,
            subject,
            ...keyTemplate(keys.node),
            ...keyTemplate(keys.nodeSockets),
            ...keyTemplate(keys.nodeCommands),
            // The script splices the target in: drop one a caller may have left on the envelope.
            JSON.stringify({ ...envelope, target: undefined }),
            sharded ? 'SPUBLISH' : 'PUBLISH',
          ],
        );
        const flat = array(reply, 'publishCommand');
        if (flat.length === 0) return address.to === 'socket-owner' ? null : { targeted: [], unreached: [] };
        const delivery: CommandDelivery = { targeted: [], unreached: [] };
        for (let i = 0; i + 1 < flat.length; i += 2) {
          const nodeId = text(flat[i]) ?? '';
          delivery.targeted.push(nodeId);
          if (Number(flat[i + 1]) === 0) delivery.unreached.push(nodeId);
        }
        delivery.targeted.sort();
        delivery.unreached.sort();
        return delivery;
      },

      subscribeCommands(nodeId, onMessage) {
        return transport.subscribe(
          [clusterKeys(cluster).nodeCommands(nodeId)],
          (_channel, message) => onMessage(message),
          { sharded },
        );
      },

      async writeAck(ack, ttlMs) {
        const keys = clusterKeys(cluster);
        const key = keys.ack(ack.commandId);
        const raw = JSON.stringify(ack);
        await transport.transaction([
          { op: 'rpush', key, values: [raw] },
          { op: 'pexpire', key, ms: requirePositiveTtl(ttlMs, 'ack') },
          { op: 'publish', channel: keys.acks, message: raw, sharded },
        ]);
      },

      async watchAcks(commandId) {
        const readList = () => readAcks(cluster, commandId);
        if (!transport.longLivedSubscriptions) return polledAckWatch(readList, options.maxAckPolls);
        const feed = ackFeed(cluster);
        await feed.subscribed;
        const watch = pushedAckWatch(readList, () => feed.listeners.delete(commandId));
        feed.listeners.set(commandId, watch.deliver);
        return watch;
      },

      async appendAudit(entry, maxLen) {
        const cap = String(Math.max(1, Math.floor(maxLen)));
        await transport.script(APPEND_AUDIT, [clusterKeys(cluster).audit], [cap, JSON.stringify(entry)]);
      },

      async readAudit(query) {
        const limit = Math.max(1, Math.floor(query.limit));
        if (query.cursor !== undefined) assertAuditCursor(query.cursor);
        const reply = await transport.script(
          READ_AUDIT,
          [clusterKeys(cluster).audit],
          [query.cursor ?? '+', String(limit + 1)],
        );
        const rows = pairs(reply, 'readAudit');
        const page = rows.slice(0, limit);
        const items: AuditEntry[] = page.flatMap(([, raw]) =>
          raw === null ? [] : (decodeAuditEntry(raw) ?? []),
        );
        const last = page[page.length - 1];
        return { items, nextCursor: rows.length > limit && last ? last[0] : null } satisfies Page<AuditEntry>;
      },

      async readAlertRules() {
        return decodeAlertRules(
          text(await transport.script(HASH_FIELD, [clusterKeys(cluster).alerts], ['rules'])),
        );
      },

      async writeAlertRules(rules) {
        await transport.transaction([
          { op: 'hset', key: clusterKeys(cluster).alerts, fields: { rules: JSON.stringify(rules) } },
        ]);
      },

      async readAlertState() {
        return decodeAlertState(
          text(await transport.script(HASH_FIELD, [clusterKeys(cluster).alerts], ['state'])),
        );
      },

      async writeAlertState(state) {
        await transport.transaction([
          { op: 'hset', key: clusterKeys(cluster).alerts, fields: { state: encodeAlertState(state) } },
        ]);
      },

      async readAlertDocument(name) {
        return text(await transport.script(HASH_FIELD, [clusterKeys(cluster).alerts], [name]));
      },

      async writeAlertDocument(name, value) {
        await transport.transaction([
          { op: 'hset', key: clusterKeys(cluster).alerts, fields: { [name]: value } },
        ]);
      },

      async setPresence(userId, nodeId, entry, ttlMs) {
        const ttl = requirePositiveTtl(ttlMs, 'presence');
        const key = clusterKeys(cluster).presence(userId);
        if (entry.sockets <= 0) {
          await transport.transaction([{ op: 'hdel', key, fields: [nodeId] }]);
          return;
        }
        const share = JSON.stringify(presenceShare(entry, now(), ttl));
        await transport.script(SET_PRESENCE, [key], [nodeId, share, String(ttl)]);
      },

      async getPresence(userId) {
        const reply = await transport.script(HASH_ALL, [clusterKeys(cluster).presence(userId)], []);
        const shares = pairs(reply, 'getPresence').flatMap(([nodeId, raw]): [string, string][] =>
          raw === null ? [] : [[nodeId, raw]],
        );
        return foldPresence(userId, shares, now());
      },

      async publishEvent(raw) {
        await transport.publish(clusterKeys(cluster).events, raw);
      },

      subscribeEvents(onMessage) {
        return transport.subscribe([clusterKeys(cluster).events], (_channel, message) => onMessage(message));
      },
    };
  };

  const store: TelltaleStore = {
    kind: transport.kind,
    ping,
    forCluster,

    close: async () => {
      ackFeeds.clear();
      await transport.close();
    },
  };
  provideTaps(store, (cluster) => redisTaps(transport, cluster, now));
  return store;
}

/** SHA1 of a script as EVALSHA wants it, via Web Crypto so both Node and Workers can compute it. */
export async function scriptSha(script: LuaScript): Promise<string> {
  const digest = await crypto.subtle.digest('SHA-1', new TextEncoder().encode(script.source));
  return [...new Uint8Array(digest)].map((byte) => byte.toString(16).padStart(2, '0')).join('');
}

/** EVALSHA, falling back to EVAL once when Redis has not seen the script (first use, restart). */
export function scriptRunner(
  evalsha: (sha: string, keys: string[], args: string[]) => Promise<unknown>,
  evaluate: (source: string, keys: string[], args: string[]) => Promise<unknown>,
): (script: LuaScript, keys: string[], args: string[]) => Promise<unknown> {
  const shas = new Map<string, Promise<string>>();
  return async (script, keys, args) => {
    let sha = shas.get(script.source);
    if (!sha) {
      sha = scriptSha(script);
      shas.set(script.source, sha);
    }
    try {
      return await evalsha(await sha, keys, args);
    } catch (error) {
      if (!String(error instanceof Error ? error.message : error).includes('NOSCRIPT')) throw error;
      return evaluate(script.source, keys, args);
    }
  };
}
