import type { AggregateChanges, ClusterAggregates, ClusterRoom } from '../schema/aggregates.ts';
import type { AlertRule, AlertState } from '../schema/alert.ts';
import type { AuditEntry } from '../schema/audit.ts';
import type { CommandAck, CommandEnvelope } from '../schema/command.ts';
import type { NodeSnapshot, SocketDelta, SocketRecord } from '../schema/snapshot.ts';
import type { ClusterLedger } from './ledger.ts';

/** One member of the cluster's node set as read by the edge. `raw` is null when the hash expired. */
export interface NodeRecord {
  nodeId: string;
  lastFlushAt: number;
  raw: string | null;
  /** The final snapshot of a node that left gracefully (`leave`); set only while `raw` is null. */
  farewell?: string | null;
}

export interface FlushInput {
  snapshot: NodeSnapshot;
  sockets: SocketDelta;
  /** TTL of the snapshot hash and the sockets hash. */
  ttlMs: number;
  /** Replace the sockets hash wholesale (whenever the hash may have expired). */
  replaceSockets?: boolean;
  /** What changed in this node's rooms and users since its last confirmed flush; absent: nothing to say. */
  aggregates?: AggregateChanges;
}

export interface FlushResult {
  /**
   * The node's snapshot hash did not exist when this write landed: the node's hashes had expired
   * (a stall past the TTL) or Redis lost them (restart, FLUSHALL, eviction). A delta written then
   * left the sockets hash partial, so the node rewrites it whole; its aggregate changes were not
   * applied either (what was left of its contribution is dropped), so they go whole too.
   */
  expired: boolean;
}

/** One member of the node set as a tick reads it: its pulse (see `NodePulse`), not its snapshot. */
export interface PulseRecord {
  nodeId: string;
  lastFlushAt: number;
  /** Null when the node's hash expired; '' when its snapshot was written without a pulse. */
  pulse: string | null;
  /** The final snapshot of a node that left gracefully, as in `NodeRecord`. */
  farewell?: string | null;
}

/** One read of the cluster: every node's pulse, the aggregates and the ledger, in one round trip. */
export interface ClusterRead {
  nodes: PulseRecord[];
  aggregates: ClusterAggregates;
  ledger: ClusterLedger;
}

export interface RoomListQuery {
  /** Only rooms of this namespace. */
  namespace?: string | undefined;
  /** Only rooms whose name starts with this (`thread:` matches `thread:t1`); the page is then in name order. */
  prefix?: string | undefined;
  cursor?: string | undefined;
  limit: number;
}

export interface RoomListPage {
  /** Largest first without a prefix; by name with one. */
  items: ClusterRoom[];
  /** Rooms matching the filters, cluster-wide. */
  total: number;
  nextCursor: string | null;
}

export interface Page<T> {
  items: T[];
  /** Opaque; pass back to get the next page. Null on the last page. */
  nextCursor: string | null;
}

export interface SocketQuery {
  nodeId?: string;
  namespace?: string;
  userId?: string;
  room?: string;
  /** Substring match on socket id or user id. */
  search?: string;
  cursor?: string;
  limit: number;
}

export type PresenceStatus = 'online' | 'away';

export interface PresenceRecord {
  userId: string;
  status: PresenceStatus;
  /** Node id → sockets the user has there. */
  nodes: Record<string, number>;
  updatedAt: number;
}

export type Unsubscribe = () => Promise<void>;

/** A command envelope before the store has addressed it. */
export type UnaddressedEnvelope = Omit<CommandEnvelope, 'target'>;

/** Who a command goes to; the store resolves it in the same round trip as the publish. */
export type CommandAddress =
  /** Every node whose snapshot has not expired (`target: '*'`). */
  | { to: 'live-nodes' }
  /** One node by id. */
  | { to: 'node'; nodeId: string }
  /** The node whose sockets hash holds this socket (`target`: that node). */
  | { to: 'socket-owner'; socketId: string };

/** What a publish reached. */
export interface CommandDelivery {
  /** The nodes the command was published to, sorted. */
  targeted: string[];
  /**
   * Targeted nodes with no subscriber on their channel: killed, or cut off from Redis. They can
   * never ack, so they are missing at once. (Exact on one Redis or one shard's primary.)
   */
  unreached: string[];
}

/** Acks of one command as they arrive. */
export interface AckWatch {
  /**
   * Resolves with the acks seen (one per node) once every node of `nodeIds` answered, or after
   * `waitMs` with those that did; never rejects. Ends the watch.
   */
  wait(nodeIds: readonly string[], waitMs: number): Promise<CommandAck[]>;
  /** Stops watching without waiting (e.g. when publishing failed); safe to call twice. */
  close(): void;
}

export type StoreKind = 'memory' | 'ioredis' | 'upstash';

/** What every view of a store names: its adapter and the cluster it is bound to. */
interface ClusterBound {
  readonly kind: StoreKind;
  readonly cluster: string;
}

/**
 * What a socket node does to the store. Every method is one store round trip unless it says
 * otherwise; adapters (memory, ioredis, upstash) keep all Redis specifics inside.
 */
export interface NodeStore extends ClusterBound {
  /** Snapshot hash + sockets hash deltas + live mark, with TTLs, in one round trip. */
  flush(input: FlushInput): Promise<FlushResult>;
  /**
   * Graceful leave, in one round trip: the final snapshot becomes the node's farewell (readable by
   * `readNodes` for `ttlMs`, until an aggregator took it and called `deregister`), the live snapshot
   * and the sockets hash are deleted, so commands and health stop counting the node at once.
   */
  leave(farewell: { snapshot: NodeSnapshot; ttlMs: number }): Promise<void>;
  /** A node subscribes to its own command channel; delivers the raw message. */
  subscribeCommands(nodeId: string, onMessage: (raw: string) => void): Promise<Unsubscribe>;
  /** Appends the ack to the command's list and announces it on the ack channel, in one round trip. */
  writeAck(ack: CommandAck, ttlMs: number): Promise<void>;
}

/** What the edge does to the store: reads the cluster, sends commands, keeps audit and alerts. */
export interface EdgeStore extends ClusterBound {
  /** Round-trip time in ms; rejects when the store is unreachable. */
  ping(): Promise<number>;
  /** Every node in the set with its snapshot, in one round trip whatever the count. */
  readNodes(): Promise<NodeRecord[]>;
  /**
   * What a tick reads, in one round trip: every node's pulse, the cluster-wide aggregates and the
   * ledger; drops the contribution of every node whose snapshot expired (idempotent), so a lost
   * node leaves the totals on the next read. Its cost does not grow with what the nodes hold.
   */
  readCluster(): Promise<ClusterRead>;
  /** One page of the cluster's rooms from the aggregates (one round trip, O(page)). */
  listRooms(query: RoomListQuery): Promise<RoomListPage>;
  /** Drop nodes whose last flush is older than `before` from the set (and their contributions); returns their ids. */
  pruneNodes(before: number): Promise<string[]>;
  /** Removes the node from the set and deletes its hashes (its farewell and contribution too). */
  deregister(nodeId: string): Promise<void>;
  /**
   * Cursor-paginated, filtered read over every node's sockets hash. Each call does bounded work,
   * so a page may hold fewer than `limit` items (even none) with a non-null cursor: keep paging.
   */
  listSockets(query: SocketQuery): Promise<Page<SocketRecord>>;

  /**
   * Publishes a command on the own channel of each node it is addressed to, in one round trip
   * that also finds the nodes (live ones, or the socket's owner); the store fills in `target`.
   * Null when the address names a socket no node holds.
   */
  publishCommand(envelope: UnaddressedEnvelope, address: CommandAddress): Promise<CommandDelivery | null>;
  /**
   * Starts collecting a command's acks. Open it before publishing the command, so no ack can be
   * missed: acks are pushed where the store can hold a subscription (memory, ioredis) and polled
   * from the command's ack list where it cannot (Upstash REST).
   */
  watchAcks(commandId: string): Promise<AckWatch>;

  /** Appends to the capped audit stream. */
  appendAudit(entry: AuditEntry, maxLen: number): Promise<void>;
  /** Newest first. */
  readAudit(query: { limit: number; cursor?: string }): Promise<Page<AuditEntry>>;

  readAlertRules(): Promise<AlertRule[] | null>;
  writeAlertRules(rules: AlertRule[]): Promise<void>;
  readAlertState(): Promise<Record<string, AlertState>>;
  writeAlertState(state: Record<string, AlertState>): Promise<void>;
  /** A document kept beside the rules in the alerts hash, as written (the caller validates it); null when unset. */
  readAlertDocument(name: AlertDocument): Promise<string | null>;
  writeAlertDocument(name: AlertDocument, value: string): Promise<void>;
}

/** What else the alerts hash holds: silences (JSON) and the SLO's availability series (encoded). */
export type AlertDocument = 'silences' | 'availability';

/** The reference chat app's presence: each node's share of a user, folded on read. */
export interface PresenceStore extends ClusterBound {
  /** Sets this node's share of a user's presence; the key expires after ttlMs. */
  setPresence(
    userId: string,
    nodeId: string,
    entry: { status: PresenceStatus; sockets: number },
    ttlMs: number,
  ): Promise<void>;
  getPresence(userId: string): Promise<PresenceRecord | null>;
}

/** The reference chat app's business events, fanned out to every node of the cluster. */
export interface BusinessEvents extends ClusterBound {
  publishEvent(raw: string): Promise<void>;
  subscribeEvents(onMessage: (raw: string) => void): Promise<Unsubscribe>;
}

/** Every port of one cluster: what an adapter's `forCluster` returns. */
export type ClusterStore = NodeStore & EdgeStore & PresenceStore & BusinessEvents;

/**
 * A store connection, shared by every cluster it serves (one client, one subscriber connection,
 * one ack feed per cluster). Bind a cluster with `forCluster`; closing the connection ends them all.
 */
export interface TelltaleStore {
  readonly kind: StoreKind;
  /** Round-trip time in ms; rejects when the store is unreachable. */
  ping(): Promise<number>;
  /** The store's ports for one cluster; cheap, so bind where the cluster is known. */
  forCluster(cluster: string): ClusterStore;
  close(): Promise<void>;
}
