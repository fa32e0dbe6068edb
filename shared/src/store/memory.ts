import { pushedAckWatch } from '../commands/ack-watch.ts';
import { clusterKeys } from '../keys/index.ts';
import { CLUSTER_TOP_ROOMS } from '../schema/aggregates.ts';
import type { AlertRule, AlertState } from '../schema/alert.ts';
import type { AuditEntry } from '../schema/audit.ts';
import type { CommandAck } from '../schema/command.ts';
import { pulseOf } from '../schema/pulse.ts';
import type { SocketRecord } from '../schema/snapshot.ts';
import { AggregateBook } from './aggregates.ts';
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
import { assertAuditCursor } from './cursor.ts';
import { LedgerBook } from './ledger.ts';
import type {
  AlertDocument,
  ClusterRead,
  ClusterStore,
  CommandAddress,
  CommandDelivery,
  FlushInput,
  NodeRecord,
  Page,
  PresenceRecord,
  PresenceStatus,
  PulseRecord,
  RoomListQuery,
  SocketQuery,
  TelltaleStore,
  UnaddressedEnvelope,
  Unsubscribe,
} from './port.ts';
import { foldPresence, presenceShare } from './presence.ts';
import {
  decodeSocketCursor,
  encodeSocketCursor,
  matchesSocketQuery,
  SOCKET_SCAN_BUDGET,
  type SocketCursor,
  socketNeedles,
  socketPageLimit,
} from './socket-query.ts';

export interface MemoryStoreOptions {
  /** Clock in ms; inject one to drive TTL expiry in tests. */
  now?: () => number;
  /** Receives exceptions thrown by subscribers (delivery is asynchronous, so nobody else can). */
  onError?: (error: unknown) => void;
}

export interface MemoryStore extends TelltaleStore {
  readonly kind: 'memory';
  /** Redis PTTL semantics for a key: ms left, -1 without expiry, -2 when missing or expired. */
  pttl(key: string): number;
}

type Value =
  | { type: 'hash'; fields: Map<string, string>; sortedFields?: string[] | undefined }
  | { type: 'zset'; members: Map<string, number> }
  | { type: 'list'; items: string[] }
  | { type: 'stream'; entries: { seq: number; raw: string }[] };

interface Slot {
  value: Value;
  expiresAt: number | null;
}

type ValueOf<T extends Value['type']> = Extract<Value, { type: T }>;

const FRESH: { [T in Value['type']]: () => ValueOf<T> } = {
  hash: () => ({ type: 'hash', fields: new Map() }),
  zset: () => ({ type: 'zset', members: new Map() }),
  list: () => ({ type: 'list', items: [] }),
  stream: () => ({ type: 'stream', entries: [] }),
};

/** In-process store for the embedded single-process mode and for tests: Redis semantics, no Redis. */
export function createMemoryStore(options: MemoryStoreOptions = {}): MemoryStore {
  const now = options.now ?? Date.now;
  const onError =
    options.onError ??
    ((error: unknown) => {
      console.error('telltale memory store: subscriber threw', error);
    });
  const slots = new Map<string, Slot>();
  /** Per cluster, the aggregates every flush keeps (see AggregateBook): no TTL, dropped node by node. */
  const books = new Map<string, { aggregates: AggregateBook; ledger: LedgerBook }>();
  const booksOf = (cluster: string) => {
    const book = books.get(cluster) ?? { aggregates: new AggregateBook(), ledger: new LedgerBook() };
    books.set(cluster, book);
    return book;
  };
  const bookOf = (cluster: string): AggregateBook => booksOf(cluster).aggregates;
  /** A node's whole contribution goes, aggregates and ledger, once. */
  const dropContribution = (cluster: string, nodeId: string) => {
    const book = booksOf(cluster);
    book.aggregates.drop(nodeId);
    book.ledger.drop(nodeId);
  };
  const channels = new Map<string, Set<(raw: string) => void>>();
  /** Edge watches by ack list key: the in-process ack channel. */
  const ackWatchers = new Map<string, (ack: CommandAck) => void>();
  let auditSeq = 0;
  let closed = false;

  const live = (key: string): Slot | undefined => {
    const slot = slots.get(key);
    if (slot && slot.expiresAt !== null && slot.expiresAt <= now()) {
      slots.delete(key);
      return undefined;
    }
    return slot;
  };

  function read<T extends Value['type']>(key: string, type: T): ValueOf<T> | undefined {
    const slot = live(key);
    if (!slot) return undefined;
    if (slot.value.type !== type)
      throw new Error(`WRONGTYPE key ${key} holds a ${slot.value.type}, not a ${type}`);
    return slot.value as ValueOf<T>;
  }

  function write<T extends Value['type']>(key: string, type: T): ValueOf<T> {
    const existing = read(key, type);
    if (existing) return existing;
    const value = FRESH[type]();
    slots.set(key, { value, expiresAt: null });
    return value as ValueOf<T>;
  }

  /** Like PTTL but -1 for both "no expiry yet" and "missing": either way a TTL must be set. */
  const expiresIn = (key: string): number => {
    const expiresAt = live(key)?.expiresAt;
    return expiresAt == null ? -1 : expiresAt - now();
  };

  const expire = (key: string, ttlMs: number) => {
    const slot = live(key);
    if (slot) slot.expiresAt = now() + ttlMs;
  };

  /** Drops a hash that became empty, as Redis does. */
  const dropIfEmpty = (key: string) => {
    const hash = read(key, 'hash');
    if (hash && hash.fields.size === 0) slots.delete(key);
  };

  /** Returns how many subscribers got the message, as Redis PUBLISH does. */
  const publish = (channel: string, raw: string): number => {
    const handlers = channels.get(channel) ?? new Set();
    for (const handler of handlers) {
      queueMicrotask(() => {
        try {
          handler(raw);
        } catch (error) {
          onError(error);
        }
      });
    }
    return handlers.size;
  };

  const subscribe = (names: string[], handler: (raw: string) => void): Unsubscribe => {
    for (const name of names) {
      const set = channels.get(name) ?? new Set();
      set.add(handler);
      channels.set(name, set);
    }
    return async () => {
      for (const name of names) {
        const set = channels.get(name);
        set?.delete(handler);
        if (set?.size === 0) channels.delete(name);
      }
    };
  };

  /** Which nodes an address names, and the target their envelope carries; null: no socket owner. */
  const resolveAddress = (
    cluster: string,
    address: CommandAddress,
  ): { nodeIds: string[]; target: string } | null => {
    const keys = clusterKeys(cluster);
    const ids = members(cluster).map(([nodeId]) => nodeId);
    switch (address.to) {
      case 'node':
        return { nodeIds: [address.nodeId], target: address.nodeId };
      case 'socket-owner': {
        const owner = ids.find((nodeId) =>
          read(keys.nodeSockets(nodeId), 'hash')?.fields.has(address.socketId),
        );
        return owner === undefined ? null : { nodeIds: [owner], target: owner };
      }
      case 'live-nodes':
        return { nodeIds: ids.filter((nodeId) => read(keys.node(nodeId), 'hash')), target: '*' };
    }
  };

  /** Node ids of the set, sorted by last flush then id (ZRANGE order). */
  const members = (cluster: string): [string, number][] => {
    const set = read(clusterKeys(cluster).nodes, 'zset');
    if (!set) return [];
    return [...set.members].sort(([a, x], [b, y]) => x - y || (a < b ? -1 : a > b ? 1 : 0));
  };

  /** Every node of the set with its snapshot, and its farewell when the snapshot is gone. */
  const nodeRecords = (cluster: string): NodeRecord[] => {
    const keys = clusterKeys(cluster);
    return members(cluster).map(([nodeId, lastFlushAt]) => {
      const raw = read(keys.node(nodeId), 'hash')?.fields.get('snapshot') ?? null;
      const farewell =
        raw === null ? read(keys.nodeFarewell(nodeId), 'hash')?.fields.get('snapshot') : undefined;
      return farewell === undefined ? { nodeId, lastFlushAt, raw } : { nodeId, lastFlushAt, raw, farewell };
    });
  };

  const run = async <T>(fn: () => T): Promise<T> => {
    if (closed) throw new Error('memory store is closed');
    return fn();
  };

  const ping = () => run(() => 0);

  const forCluster = (cluster: string): ClusterStore => ({
    kind: 'memory',
    cluster,
    ping,
    flush: (input: FlushInput) =>
      run(() => {
        const ttl = requirePositiveTtl(input.ttlMs, 'flush');
        const keys = clusterKeys(cluster);
        const nodeId = input.snapshot.node.id;
        const expired = !live(keys.node(nodeId));
        bookOf(cluster).flush(nodeId, input.aggregates, !expired);
        booksOf(cluster).ledger.flush(nodeId, input.snapshot);
        const hash = write(keys.node(nodeId), 'hash').fields;
        hash.set('snapshot', JSON.stringify(input.snapshot));
        hash.set('pulse', JSON.stringify(pulseOf(input.snapshot)));
        expire(keys.node(nodeId), ttl);
        const socketsKey = keys.nodeSockets(nodeId);
        if (input.replaceSockets) slots.delete(socketsKey);
        if (input.sockets.upsert.length > 0) {
          const sockets = write(socketsKey, 'hash').fields;
          for (const socket of input.sockets.upsert) sockets.set(socket.id, JSON.stringify(socket));
        }
        const sockets = read(socketsKey, 'hash');
        for (const id of input.sockets.remove) sockets?.fields.delete(id);
        if (sockets) sockets.sortedFields = undefined;
        dropIfEmpty(socketsKey);
        expire(socketsKey, ttl);
        write(keys.nodes, 'zset').members.set(nodeId, input.snapshot.node.flushedAt);
        expire(keys.nodes, NODE_SET_TTL_MS);
        return { expired };
      }),

    leave: ({ snapshot, ttlMs }) =>
      run(() => {
        const ttl = requirePositiveTtl(ttlMs, 'leave');
        const keys = clusterKeys(cluster);
        const nodeId = snapshot.node.id;
        write(keys.nodeFarewell(nodeId), 'hash').fields.set('snapshot', JSON.stringify(snapshot));
        expire(keys.nodeFarewell(nodeId), ttl);
        slots.delete(keys.node(nodeId));
        slots.delete(keys.nodeSockets(nodeId));
        write(keys.nodes, 'zset').members.set(nodeId, snapshot.node.flushedAt);
        dropContribution(cluster, nodeId);
      }),

    deregister: (nodeId) =>
      run(() => {
        const keys = clusterKeys(cluster);
        read(keys.nodes, 'zset')?.members.delete(nodeId);
        slots.delete(keys.node(nodeId));
        slots.delete(keys.nodeSockets(nodeId));
        slots.delete(keys.nodeFarewell(nodeId));
        dropContribution(cluster, nodeId);
      }),

    readNodes: () => run(() => nodeRecords(cluster)),

    readCluster: () =>
      run((): ClusterRead => {
        const keys = clusterKeys(cluster);
        const nodes = nodeRecords(cluster).map(({ raw, ...rest }): PulseRecord => {
          const pulse =
            raw === null ? null : (read(keys.node(rest.nodeId), 'hash')?.fields.get('pulse') ?? '');
          return { ...rest, pulse };
        });
        for (const node of nodes) if (node.pulse === null) dropContribution(cluster, node.nodeId);
        const book = booksOf(cluster);
        return { nodes, aggregates: book.aggregates.read(CLUSTER_TOP_ROOMS), ledger: book.ledger.read() };
      }),

    listRooms: (query: RoomListQuery) => run(() => bookOf(cluster).list(query)),

    pruneNodes: (before) =>
      run(() => {
        const keys = clusterKeys(cluster);
        const set = read(keys.nodes, 'zset');
        const pruned = members(cluster)
          .filter(([, score]) => score < before)
          .map(([nodeId]) => nodeId);
        for (const nodeId of pruned) {
          set?.members.delete(nodeId);
          slots.delete(keys.node(nodeId));
          slots.delete(keys.nodeSockets(nodeId));
          slots.delete(keys.nodeFarewell(nodeId));
          dropContribution(cluster, nodeId);
        }
        return pruned;
      }),

    listSockets: (query: SocketQuery) =>
      run((): Page<SocketRecord> => {
        const keys = clusterKeys(cluster);
        const limit = socketPageLimit(query.limit);
        const from: SocketCursor = query.cursor
          ? decodeSocketCursor(query.cursor)
          : { node: '', scan: '', skip: 0 };
        const nodeIds = members(cluster)
          .map(([nodeId]) => nodeId)
          .filter((nodeId) => (query.nodeId === undefined ? true : nodeId === query.nodeId))
          .filter((nodeId) => nodeId >= from.node)
          .sort();
        const needles = socketNeedles(query);
        const items: SocketRecord[] = [];
        let scanned = 0;
        for (const nodeId of nodeIds) {
          const hash = read(keys.nodeSockets(nodeId), 'hash');
          if (!hash) continue;
          hash.sortedFields ??= [...hash.fields.keys()].sort();
          const ids = hash.sortedFields;
          const after = nodeId === from.node ? from.scan : '';
          for (let i = firstAfter(ids, after); i < ids.length; i++) {
            const id = ids[i] as string;
            // Resuming strictly after the previous id makes every stop point a valid cursor.
            const resume = () => encodeSocketCursor({ node: nodeId, scan: ids[i - 1] ?? after, skip: 0 });
            if (scanned >= SOCKET_SCAN_BUDGET) return { items, nextCursor: resume() };
            scanned += 1;
            const raw = hash.fields.get(id) ?? '';
            if (!needles.every((needle) => raw.includes(needle))) continue;
            const record = decodeSocket(raw);
            if (!record || !matchesSocketQuery(record, query)) continue;
            if (items.length === limit) return { items, nextCursor: resume() };
            items.push(record);
          }
        }
        return { items, nextCursor: null };
      }),

    publishCommand: (envelope: UnaddressedEnvelope, address: CommandAddress) =>
      run((): CommandDelivery | null => {
        requireOwnCluster(envelope, cluster);
        const keys = clusterKeys(cluster);
        const resolved = resolveAddress(cluster, address);
        if (!resolved) return null;
        const raw = JSON.stringify({ ...envelope, target: resolved.target });
        const delivery: CommandDelivery = { targeted: [...resolved.nodeIds].sort(), unreached: [] };
        for (const nodeId of delivery.targeted) {
          if (publish(keys.nodeCommands(nodeId), raw) === 0) delivery.unreached.push(nodeId);
        }
        return delivery;
      }),

    subscribeCommands: (nodeId, onMessage) =>
      run(() => {
        const keys = clusterKeys(cluster);
        return subscribe([keys.nodeCommands(nodeId)], onMessage);
      }),

    writeAck: (ack: CommandAck, ttlMs) =>
      run(() => {
        const ttl = requirePositiveTtl(ttlMs, 'ack');
        const key = clusterKeys(cluster).ack(ack.commandId);
        write(key, 'list').items.push(JSON.stringify(ack));
        expire(key, ttl);
        const watcher = ackWatchers.get(key);
        if (watcher) queueMicrotask(() => watcher(ack));
      }),

    watchAcks: (commandId) =>
      run(() => {
        const key = clusterKeys(cluster).ack(commandId);
        const readList = async () => decodeAcks(read(key, 'list')?.items ?? []);
        const watch = pushedAckWatch(readList, () => ackWatchers.delete(key));
        ackWatchers.set(key, watch.deliver);
        return watch;
      }),

    appendAudit: (entry: AuditEntry, maxLen) =>
      run(() => {
        const stream = write(clusterKeys(cluster).audit, 'stream');
        auditSeq += 1;
        stream.entries.push({ seq: auditSeq, raw: JSON.stringify(entry) });
        const excess = stream.entries.length - Math.max(1, Math.floor(maxLen));
        if (excess > 0) stream.entries.splice(0, excess);
      }),

    readAudit: (query) =>
      run((): Page<AuditEntry> => {
        const entries = read(clusterKeys(cluster).audit, 'stream')?.entries ?? [];
        let before = Number.POSITIVE_INFINITY;
        if (query.cursor !== undefined) {
          assertAuditCursor(query.cursor);
          // Ids are `0-<seq>` here; one with a later time part is above every entry, as in Redis.
          const [ms, seq] = query.cursor.split('-');
          if (ms === '0') before = Number(seq);
        }
        const limit = Math.max(1, Math.floor(query.limit));
        const older = entries.filter((entry) => entry.seq < before).reverse();
        const page = older.slice(0, limit);
        const items = page.flatMap((entry) => decodeAuditEntry(entry.raw) ?? []);
        const last = page[page.length - 1];
        return { items, nextCursor: older.length > limit && last ? `0-${last.seq}` : null };
      }),

    readAlertRules: () =>
      run(() => decodeAlertRules(read(clusterKeys(cluster).alerts, 'hash')?.fields.get('rules') ?? null)),

    writeAlertRules: (rules: AlertRule[]) =>
      run(() => {
        write(clusterKeys(cluster).alerts, 'hash').fields.set('rules', JSON.stringify(rules));
      }),

    readAlertState: () =>
      run(() => decodeAlertState(read(clusterKeys(cluster).alerts, 'hash')?.fields.get('state') ?? null)),

    writeAlertState: (state: Record<string, AlertState>) =>
      run(() => {
        write(clusterKeys(cluster).alerts, 'hash').fields.set('state', encodeAlertState(state));
      }),

    readAlertDocument: (name: AlertDocument) =>
      run(() => read(clusterKeys(cluster).alerts, 'hash')?.fields.get(name) ?? null),

    writeAlertDocument: (name: AlertDocument, value: string) =>
      run(() => {
        write(clusterKeys(cluster).alerts, 'hash').fields.set(name, value);
      }),

    setPresence: (userId, nodeId, entry: { status: PresenceStatus; sockets: number }, ttlMs) =>
      run(() => {
        const ttl = requirePositiveTtl(ttlMs, 'presence');
        const key = clusterKeys(cluster).presence(userId);
        if (entry.sockets <= 0) {
          read(key, 'hash')?.fields.delete(nodeId);
          dropIfEmpty(key);
          return;
        }
        write(key, 'hash').fields.set(nodeId, JSON.stringify(presenceShare(entry, now(), ttl)));
        // The hash is shared by every node: only ever extend its TTL, never cut another node's share short.
        if (expiresIn(key) < ttl) expire(key, ttl);
      }),

    getPresence: (userId) =>
      run((): PresenceRecord | null => {
        const fields = read(clusterKeys(cluster).presence(userId), 'hash')?.fields;
        return fields ? foldPresence(userId, fields, now()) : null;
      }),

    publishEvent: (raw) =>
      run(() => {
        publish(clusterKeys(cluster).events, raw);
      }),

    subscribeEvents: (onMessage) => run(() => subscribe([clusterKeys(cluster).events], onMessage)),
  });

  return {
    kind: 'memory',

    pttl(key) {
      const slot = live(key);
      if (!slot) return -2;
      return slot.expiresAt === null ? -1 : slot.expiresAt - now();
    },

    ping,
    forCluster,

    close: async () => {
      closed = true;
      channels.clear();
      ackWatchers.clear();
    },
  };
}

/** Index of the first id greater than `after` in sorted `ids`. */
function firstAfter(ids: string[], after: string): number {
  let lo = 0;
  let hi = ids.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((ids[mid] as string) <= after) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
