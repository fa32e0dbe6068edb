import type {
  CommandAck,
  CommandEnvelope,
  NodeMeta,
  NodePresence,
  NodeSnapshot,
  NodeStore,
  TelltaleStore,
} from '@telltale/shared';
import { tapStoreOf } from '@telltale/shared/tap';
import type { ExtendedError, Namespace, Server, Socket } from 'socket.io';
import { Admission, type RateLimits } from './admission.ts';
import { ConnectionBytes } from './connection-bytes.ts';
import { Flusher, NodeMeters, type NodeState } from './flusher.ts';
import { OVERFLOW_LABEL } from './labels.ts';
import { consoleLogger, describeError, type InstrumentLogger } from './log.ts';
import { checkIds, guardIdentify } from './options.ts';
import { ProcessStats } from './process-stats.ts';
import { CommandResponder } from './responder.ts';
import { collectRooms } from './rooms.ts';
import { type InspectOptions, SocketInspector } from './socket-detail.ts';
import { hookedSocketPrototype } from './socket-hooks.ts';
import { countIn, countOut, type SocketIdentity, SocketTable } from './socket-table.ts';
import { type TapOptions, TapRecorder } from './tap.ts';

/** What `identify` may return; numbers become strings, missing fields null (see `guardIdentify`). */
export interface SocketIdentityInput {
  userId?: string | number | null | undefined;
  role?: string | null | undefined;
}

/** Options of `instrument(io, options)`; `TSocket` is the server's socket type, so `socket.data` is typed. */
export interface InstrumentOptions<TSocket = Socket> {
  /** Where snapshots go and commands come from: `createIoredisStore(url)` in a cluster, `createMemoryStore()` alone. */
  store: TelltaleStore;
  /** The cluster's id: every node and edge of one cluster uses the same one (letters, digits, `.`, `_`, `-`). */
  cluster: string;
  /**
   * This node's id, unique in the cluster and stable across restarts if you want one series per
   * node. Default: `<hostname>-<pid>` (logged once), e.g. when `process.env.HOSTNAME` is unset.
   */
  nodeId?: string | undefined;
  /** Default 5000. The snapshot and sockets hashes live 3 × this. */
  flushIntervalMs?: number;
  /** Your app's version, shown per node on the dashboard. Default `0.0.0`. */
  version?: string;
  /** Distinct event types counted by name; the rest count as `other`. Default 50. */
  eventTypeCap?: number;
  /** How long command acks stay readable. Default 60 s. */
  ackTtlMs?: number;
  /**
   * COMMAND_SIGNING_KEY, the same as the edge's (at least 32 characters). Set: commands not signed
   * with it are refused, so Redis access alone cannot run them. Default: unsigned commands run.
   */
  commandSigningKey?: string | null;
  /** How far the edge's clock may be off this node's when checking a command's expiry. Default 1000 ms. */
  commandClockSkewMs?: number;
  /** Who is behind a socket, read once after the handshake. Default: `socket.data.userId` / `.role`. */
  identify?: (socket: TSocket) => SocketIdentityInput;
  /** The node's presence section; the reference server plugs its presence tracker in here. */
  presence?: () => NodePresence;
  /** Which namespaces to instrument. Default: all, including ones created later. */
  include?: (namespace: Namespace) => boolean;
  /** Where problems and notices go. Default: the console, prefixed `[telltale]`. */
  log?: InstrumentLogger;
  /**
   * What a socket's detail (`GET /admin/sockets/:id`) may show of `socket.data` and the handshake's
   * `auth`, by key. Keys naming credentials (token, authorization, cookie, secret, password, …)
   * are refused. Default: none.
   */
  inspect?: InspectOptions;
  /**
   * Addresses of your reverse proxies: only when the TCP peer is one of them is `X-Forwarded-For`
   * read for a socket's client address (anyone can send the header). Default: none.
   */
  trustedProxies?: readonly string[];
  /**
   * What the live event inspector (an admin's tap) may see. Default: event names, directions,
   * sockets, users and sizes; payloads only with `payloads: true`, redacted and cut.
   */
  tap?: TapOptions;
}

export type { RateLimits } from './admission.ts';
export type { InspectOptions } from './socket-detail.ts';
export type { TapOptions } from './tap.ts';

export interface Readiness {
  ready: boolean;
  mode: NodeMeta['mode'];
  /** Why the node is not ready; null when it is. */
  reason: string | null;
}

/** How long a farewell waits in the store for an edge to read it (an edge down that long misses it). */
const FAREWELL_TTL_MS = 5 * 60_000;
/** Socket.IO's own events, which are no client event types. */
const RESERVED_EVENTS = new Set([
  'connect',
  'connect_error',
  'disconnect',
  'disconnecting',
  'newListener',
  'removeListener',
]);

/**
 * Measures a Socket.IO server and flushes what it sees into the store every interval; executes
 * the cluster's admin commands. The hot path (per event) is a map lookup, integer increments,
 * one sketch add and a `Date.now()`; everything else happens at flush time.
 */
export class Instrumentation {
  readonly cluster: string;
  readonly nodeId: string;
  readonly intervalMs: number;
  readonly startedAt = Date.now();
  readonly sockets = new SocketTable();

  private readonly store: NodeStore;
  private readonly log: InstrumentLogger;
  private readonly identify: (socket: Socket) => SocketIdentity;
  private readonly presence: () => NodePresence;
  private readonly include: (namespace: Namespace) => boolean;
  private readonly namespaces = new Map<string, Namespace>();
  /** The app's own namespaces, there when `start()` ran: listed even when empty, unlike dynamic ones. */
  private readonly staticNamespaces = new Set<string>();
  private readonly stats = new ProcessStats(this.startedAt);
  private readonly meters: NodeMeters;
  private readonly counters: NodeMeters['counters'];
  private readonly admission = new Admission(this.sockets);
  private readonly flusher: Flusher;
  private readonly bytes = new ConnectionBytes();
  private readonly inspector: SocketInspector;
  private readonly taps: TapRecorder;

  private running = false;
  private readonly commands: CommandResponder;

  constructor(
    readonly io: Server,
    options: InstrumentOptions,
  ) {
    this.log = options.log ?? consoleLogger;
    const ids = checkIds(options, this.log);
    this.store = options.store.forCluster(ids.cluster);
    this.cluster = ids.cluster;
    this.nodeId = ids.nodeId;
    this.intervalMs = options.flushIntervalMs ?? 5000;
    this.identify = guardIdentify(
      options.identify ?? identifyFromData,
      this.log,
      () => this.counters.errors++,
    );
    this.presence = options.presence ?? (() => ({ online: [], away: [], staleClients: 0 }));
    this.include = options.include ?? (() => true);
    this.inspector = new SocketInspector(options, this.bytes);
    this.taps = new TapRecorder({
      nodeId: this.nodeId,
      sink: tapStoreOf(options.store, this.cluster),
      log: this.log,
      tap: options.tap,
    });
    this.meters = new NodeMeters(options.eventTypeCap ?? 50);
    this.counters = this.meters.counters;
    this.flusher = new Flusher({
      store: this.store,
      cluster: this.cluster,
      nodeId: this.nodeId,
      version: options.version ?? '0.0.0',
      startedAt: this.startedAt,
      intervalMs: this.intervalMs,
      log: this.log,
      sockets: this.sockets,
      meters: this.meters,
      stats: this.stats,
      state: () => this.state(),
    });

    this.commands = new CommandResponder({
      store: this.store,
      cluster: this.cluster,
      nodeId: this.nodeId,
      intervalMs: this.intervalMs,
      log: this.log,
      counters: this.counters,
      signingKey: options.commandSigningKey,
      clockSkewMs: options.commandClockSkewMs,
      ackTtlMs: options.ackTtlMs,
      host: {
        sockets: this.sockets,
        namespace: (name) => this.namespaces.get(name),
        setMaintenance: (enabled, message) => this.setMaintenance(enabled, message),
        setRateLimits: (limits) => this.setRateLimits(limits),
        describe: (tracked) => this.inspector.describe(tracked, this.nodeId),
        taps: this.taps,
      },
    });

    for (const nsp of io._nsps.values()) this.attach(nsp);
    io.on('new_namespace', (nsp) => this.attach(nsp));
  }

  // ── lifecycle ────────────────────────────────────────────────────────────────────────────

  /** Subscribes to commands, flushes once, then every interval. Resolves even when the store is down. */
  async start(): Promise<void> {
    if (this.running) return;
    this.running = true;
    this.flusher.start();
    for (const name of this.namespaces.keys()) this.staticNamespaces.add(name);
    await this.commands.start();
    await this.flushNow();
    this.admission.started();
    this.flusher.schedule();
  }

  /** Not ready any more, new connections refused; existing sockets keep working. */
  drain(): void {
    this.admission.drain();
  }

  /** Final flush, then (by default) leaves the cluster: the node's hashes are deleted. */
  async stop(options: { deregister?: boolean } = {}): Promise<void> {
    this.drain();
    this.running = false;
    this.flusher.stop();
    await this.commands.stop();
    await this.taps.close();
    if (options.deregister ?? true) {
      await this.flusher.settled();
      // The final counters go out as a farewell the edge reads before it drops the node: deleting
      // the hashes right after a last flush lost that interval whenever no tick fell in between.
      const snapshot = this.flusher.snapshot(true);
      await this.store
        .leave({ snapshot, ttlMs: FAREWELL_TTL_MS })
        .catch((error) => this.log.warn(`deregistering node ${this.nodeId} failed: ${describeError(error)}`));
    } else {
      await this.flushNow();
    }
    this.stats.stop();
  }

  /** For your readiness probe: not ready while starting, draining, in maintenance, or when the last flush failed. */
  readiness(): Readiness {
    const reason =
      this.admission.notReadyReason() ??
      (this.flusher.storeConnected === false ? 'store unreachable (last flush failed)' : null);
    return { ready: reason === null, mode: this.admission.mode, reason };
  }

  /** The rate limits in force on this node (set by the `rate-limits` admin command). */
  get rateLimits(): RateLimits {
    return this.admission.rateLimits;
  }

  /** True once a flush reached the store and the last one did. */
  get redisConnected(): boolean {
    return this.flusher.storeConnected === true;
  }

  /** Maintenance on: new connections are refused with `message`; existing sockets keep working. */
  setMaintenance(enabled: boolean, message: string | null = null): void {
    this.admission.setMaintenance(enabled, message, this.running);
  }

  /** Per-socket and per-user event limits (null: none); events over a limit are refused and counted. */
  setRateLimits(limits: RateLimits): void {
    this.admission.setRateLimits(limits);
  }

  /** Call after the store's connection came back: the next flush rewrites the sockets hash whole. */
  resyncSockets(): void {
    this.flusher.resync();
  }

  // ── hooks for the application ────────────────────────────────────────────────────────────

  /** Count a refused handshake: call it from your auth middleware when you refuse a socket. */
  recordAuthFailure(): void {
    this.counters.authFailures++;
  }
  /** Count an error your code caught (handler errors that throw are counted already). */
  recordError(): void {
    this.counters.errors++;
  }
  /** Count a payload your validation refused. */
  recordInvalidPayload(): void {
    this.counters.invalidPayloads++;
  }
  /** Count a business event from your backbone, delivered (`true`) or refused as malformed. */
  recordBusinessEvent(accepted: boolean): void {
    if (accepted) this.counters.businessEvents++;
    else this.counters.businessEventsRejected++;
  }

  /** Called with every snapshot flushed; returns the function that removes the listener. */
  onFlush(listener: (snapshot: NodeSnapshot) => void): () => void {
    return this.flusher.onFlush(listener);
  }

  /** Called with every admin command this node answered and its ack; returns the remover. */
  onCommand(listener: (envelope: CommandEnvelope, ack: CommandAck) => void): () => void {
    return this.commands.onCommand(listener);
  }

  // ── snapshot and flush ───────────────────────────────────────────────────────────────────

  /** What this node would flush now, without starting a new interval. */
  snapshot(): NodeSnapshot {
    return this.flusher.snapshot(false);
  }

  /** Flushes now (or joins the flush in progress); resolves false when the store refused it. */
  flushNow(): Promise<boolean> {
    return this.flusher.flushNow();
  }

  /** What a snapshot reads from this node besides its meters and sockets. */
  private state(): NodeState {
    this.forgetRemovedNamespaces();
    const byNamespace: Record<string, number> = {};
    for (const name of this.staticNamespaces) byNamespace[name] = 0;
    return {
      mode: this.admission.mode,
      byNamespace,
      rooms: collectRooms(this.namespaces.values()),
      presence: this.presence(),
      rateLimits: this.admission.rateLimits,
    };
  }

  // ── commands ─────────────────────────────────────────────────────────────────────────────

  /**
   * Handles one raw message from the command channel, one at a time in arrival order; never
   * rejects. Resolves once the command ran or was refused, with its ack on the way.
   */
  receiveCommand(raw: string): Promise<void> {
    return this.commands.receive(raw);
  }

  // ── the hot path ─────────────────────────────────────────────────────────────────────────

  private attach(nsp: Namespace): void {
    // A dynamic namespace Socket.IO removed when empty comes back as a new object under its old name.
    if (this.namespaces.get(nsp.name) === nsp || !this.include(nsp)) return;
    this.namespaces.set(nsp.name, nsp);
    nsp.use(this.admitConnection);
    nsp.on('connection', (socket) => this.track(socket));
    nsp.adapter.on('join-room', this.roomChanged);
    nsp.adapter.on('leave-room', this.roomChanged);
    for (const socket of nsp.sockets.values()) {
      Object.setPrototypeOf(socket, this.socketPrototype);
      this.track(socket);
    }
  }

  /** Drops dynamic namespaces Socket.IO removed (`cleanupEmptyChildNamespaces`), so they are not kept alive. */
  private forgetRemovedNamespaces(): void {
    for (const [name, nsp] of this.namespaces) {
      if (this.io._nsps.get(name) !== nsp) this.namespaces.delete(name);
    }
  }

  /** First middleware of every namespace: refuses during maintenance and shutdown, hooks the socket. */
  private readonly admitConnection = (socket: Socket, next: (err?: ExtendedError) => void): void => {
    const refused = this.admission.refuseConnection();
    if (refused) {
      this.meters.refusedConnections.add(refused.data.code);
      next(refused);
      return;
    }
    Object.setPrototypeOf(socket, this.socketPrototype);
    next();
  };

  private track(socket: Socket): void {
    if (this.sockets.get(socket.id)) return;
    const transport = socket.conn.transport.name;
    const tracked = this.sockets.add(socket, this.identify(socket), transport, Date.now());
    this.counters.connects++;
    this.bytes.watch(socket.conn);
    if (transport !== 'websocket') {
      socket.conn.once('upgrade', () =>
        this.sockets.changeTransport(tracked, socket.conn.transport.name, Date.now()),
      );
    }
  }

  private readonly roomChanged = (_room: string, socketId: string): void => {
    const tracked = this.sockets.get(socketId);
    if (tracked) this.sockets.markDirty(tracked);
  };

  private readonly socketPrototype = hookedSocketPrototype({
    inbound: (socket, event) => {
      const tracked = this.sockets.get(socket.id);
      const type = typeof event[0] === 'string' ? event[0] : OVERFLOW_LABEL;
      this.counters.eventsIn++;
      this.meters.inByType.add(type);
      if (!tracked) return true;
      countIn(tracked, type);
      if (this.taps.active) this.taps.record('in', socket, tracked.userId, event);
      const now = Date.now();
      tracked.lastEventAt = now;
      this.sockets.markDirty(tracked);
      if (this.admission.admitEvent(tracked, event, now)) return true;
      this.counters.rateLimited++;
      return false;
    },
    // A handler for a type makes the type known: its series start at 0 before the first event.
    listening: (event) => {
      if (!RESERVED_EVENTS.has(event)) this.meters.inByType.add(event, 0);
    },
    handled: (ms) => this.meters.handled(ms),
    failed: (error, event) => {
      this.counters.errors++;
      this.log.error(`handler for '${String(event)}' failed: ${describeError(error)}`);
    },
    outbound: (socket, packet) => {
      this.counters.eventsOut++;
      const first = packet.data?.[0];
      const type = typeof first === 'string' ? first : OVERFLOW_LABEL;
      this.meters.outByType.add(type);
      const tracked = this.sockets.get(socket.id);
      if (tracked) countOut(tracked, type);
      if (this.taps.active && packet.data)
        this.taps.record('out', socket, tracked?.userId ?? null, packet.data);
    },
    closed: (socket, reason) => {
      const tracked = this.sockets.get(socket.id);
      if (!tracked) return;
      this.sockets.remove(tracked);
      this.counters.disconnects++;
      this.meters.disconnectReasons.add(reason);
    },
  });
}

function identifyFromData(socket: Socket): SocketIdentity {
  const data: unknown = socket.data;
  if (typeof data !== 'object' || data === null) return { userId: null, role: null };
  const { userId, role } = data as { userId?: unknown; role?: unknown };
  return {
    userId: typeof userId === 'string' ? userId : null,
    role: typeof role === 'string' ? role : null,
  };
}
