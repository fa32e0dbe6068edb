import { hostname } from 'node:os';
import {
  type CommandAck,
  type CommandEnvelope,
  CommandGate,
  DEFAULT_CLOCK_SKEW_MS,
  type FlushResult,
  LatencySketch,
  type NodeMeta,
  type NodePresence,
  type NodeSnapshot,
  type RateLimit,
  SNAPSHOT_VERSION,
  type TelltaleStore,
  type Unsubscribe,
  withTimeout,
} from '@telltale/shared';
import type { ExtendedError, Namespace, Server, Socket } from 'socket.io';
import { type CommandHost, type CommandOutcome, executeCommand, parseCommand } from './commands.ts';
import { CappedCounter, foldCounts, LABEL_CAP, OVERFLOW_LABEL } from './labels.ts';
import { consoleLogger, describeError, type InstrumentLogger } from './log.ts';
import { checkIds, guardIdentify } from './options.ts';
import { ProcessStats } from './process-stats.ts';
import { admit } from './rate-limit.ts';
import { collectRooms } from './rooms.ts';
import { hookedSocketPrototype } from './socket-hooks.ts';
import { type SocketIdentity, SocketTable } from './socket-table.ts';

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
  /** Rooms listed with their sizes in a snapshot, largest first. Default 1000. */
  roomCap?: number;
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
}

export type RateLimits = { perSocket: RateLimit | null; perUser: RateLimit | null };

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
/** The snapshot and sockets hashes expire this many flush intervals after a write. */
const HASH_TTL_INTERVALS = 3;

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

  private readonly store: TelltaleStore;
  private readonly log: InstrumentLogger;
  private readonly version: string;
  private readonly roomCap: number;
  private readonly ackTtlMs: number;
  private readonly identify: (socket: Socket) => SocketIdentity;
  private readonly presence: () => NodePresence;
  private readonly include: (namespace: Namespace) => boolean;
  private readonly namespaces = new Map<string, Namespace>();
  /** The app's own namespaces, there when `start()` ran: listed even when empty, unlike dynamic ones. */
  private readonly staticNamespaces = new Set<string>();
  private readonly stats = new ProcessStats(this.startedAt);

  private readonly counters = {
    connects: 0,
    disconnects: 0,
    eventsIn: 0,
    eventsOut: 0,
    errors: 0,
    authFailures: 0,
    rateLimited: 0,
    invalidPayloads: 0,
    commandsExecuted: 0,
    commandsRejected: 0,
    businessEvents: 0,
    businessEventsRejected: 0,
  };
  private readonly inByType: CappedCounter;
  private readonly outByType: CappedCounter;
  private readonly disconnectReasons = new CappedCounter(50);
  private readonly window = new LatencySketch();
  private readonly cumulative = new LatencySketch();

  private mode: NodeMeta['mode'] = 'starting';
  private maintenanceMessage: string | null = null;
  private limits: RateLimits = { perSocket: null, perUser: null };
  /** What the last flush found; null until one measured it, so the first snapshot claims nothing. */
  private redis: { connected: boolean | null; latencyMs: number | null } = {
    connected: null,
    latencyMs: null,
  };
  private needsFullSync = true;
  /** When the last flush the store confirmed began: its writes expire a TTL after that, at the earliest. */
  private lastWriteAt: number | null = null;
  private failures = 0;
  private inFlight: Promise<boolean> | null = null;
  private timer: NodeJS.Timeout | null = null;
  private retryTimer: NodeJS.Timeout | null = null;
  private subscribeTimer: NodeJS.Timeout | null = null;
  private unsubscribeCommands: Unsubscribe | null = null;
  private running = false;
  private readonly commandGate: CommandGate;
  private commandQueue: Promise<void> = Promise.resolve();
  private readonly flushListeners = new Set<(snapshot: NodeSnapshot) => void>();
  private readonly commandListeners = new Set<(envelope: CommandEnvelope, ack: CommandAck) => void>();

  constructor(
    readonly io: Server,
    options: InstrumentOptions,
  ) {
    this.log = options.log ?? consoleLogger;
    const ids = checkIds(options, this.log);
    this.store = options.store;
    this.cluster = ids.cluster;
    this.nodeId = ids.nodeId;
    this.intervalMs = options.flushIntervalMs ?? 5000;
    this.version = options.version ?? '0.0.0';
    this.roomCap = options.roomCap ?? 1000;
    this.ackTtlMs = options.ackTtlMs ?? 60_000;
    this.commandGate = new CommandGate({
      signingKey: options.commandSigningKey ?? null,
      clockSkewMs: options.commandClockSkewMs ?? DEFAULT_CLOCK_SKEW_MS,
    });
    this.identify = guardIdentify(
      options.identify ?? identifyFromData,
      this.log,
      () => this.counters.errors++,
    );
    this.presence = options.presence ?? (() => ({ online: [], away: [], staleClients: 0 }));
    this.include = options.include ?? (() => true);
    this.inByType = new CappedCounter(options.eventTypeCap ?? 50);
    this.outByType = new CappedCounter(options.eventTypeCap ?? 50);

    for (const nsp of io._nsps.values()) this.attach(nsp);
    io.on('new_namespace', (nsp) => this.attach(nsp));
  }

  // ── lifecycle ────────────────────────────────────────────────────────────────────────────

  /** Subscribes to commands, flushes once, then every interval. Resolves even when the store is down. */
  async start(): Promise<void> {
    if (this.running) return;
    this.running = true;
    for (const name of this.namespaces.keys()) this.staticNamespaces.add(name);
    await this.subscribe();
    await this.flushNow();
    if (this.mode === 'starting') this.mode = 'running';
    this.timer = setInterval(() => void this.flushNow(), this.intervalMs);
    this.timer.unref();
  }

  /** Not ready any more, new connections refused; existing sockets keep working. */
  drain(): void {
    this.mode = 'draining';
  }

  /** Final flush, then (by default) leaves the cluster: the node's hashes are deleted. */
  async stop(options: { deregister?: boolean } = {}): Promise<void> {
    this.drain();
    this.running = false;
    for (const timer of [this.timer, this.retryTimer, this.subscribeTimer]) if (timer) clearTimeout(timer);
    this.timer = this.retryTimer = this.subscribeTimer = null;
    const unsubscribe = this.unsubscribeCommands;
    this.unsubscribeCommands = null;
    await unsubscribe?.().catch((error) =>
      this.log.warn(`unsubscribing from commands failed: ${describeError(error)}`),
    );
    if (options.deregister ?? true) {
      await this.inFlight;
      // The final counters go out as a farewell the edge reads before it drops the node: deleting
      // the hashes right after a last flush lost that interval whenever no tick fell in between.
      const snapshot = this.buildSnapshot(true);
      await this.store
        .leave(this.cluster, { snapshot, ttlMs: FAREWELL_TTL_MS })
        .catch((error) => this.log.warn(`deregistering node ${this.nodeId} failed: ${describeError(error)}`));
    } else {
      await this.flushNow();
    }
    this.stats.stop();
  }

  /** For your readiness probe: not ready while starting, draining, in maintenance, or when the last flush failed. */
  readiness(): Readiness {
    const reason =
      this.mode === 'starting'
        ? 'starting'
        : this.mode === 'draining'
          ? 'shutting down'
          : this.mode === 'maintenance'
            ? `maintenance mode${this.maintenanceMessage ? `: ${this.maintenanceMessage}` : ''}`
            : this.redis.connected === false
              ? 'store unreachable (last flush failed)'
              : null;
    return { ready: reason === null, mode: this.mode, reason };
  }

  /** The rate limits in force on this node (set by the `rate-limits` admin command). */
  get rateLimits(): RateLimits {
    return this.limits;
  }

  /** True once a flush reached the store and the last one did. */
  get redisConnected(): boolean {
    return this.redis.connected === true;
  }

  /** Maintenance on: new connections are refused with `message`; existing sockets keep working. */
  setMaintenance(enabled: boolean, message: string | null = null): void {
    if (this.mode === 'draining') return;
    if (enabled) {
      this.mode = 'maintenance';
      this.maintenanceMessage = message;
    } else if (this.mode === 'maintenance') {
      this.mode = this.running ? 'running' : 'starting';
      this.maintenanceMessage = null;
    }
  }

  /** Per-socket and per-user event limits (null: none); events over a limit are refused and counted. */
  setRateLimits(limits: RateLimits): void {
    this.limits = limits;
  }

  /** Call after the store's connection came back: the next flush rewrites the sockets hash whole. */
  resyncSockets(): void {
    this.needsFullSync = true;
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
    this.flushListeners.add(listener);
    return () => this.flushListeners.delete(listener);
  }

  /** Called with every admin command this node answered and its ack; returns the remover. */
  onCommand(listener: (envelope: CommandEnvelope, ack: CommandAck) => void): () => void {
    this.commandListeners.add(listener);
    return () => this.commandListeners.delete(listener);
  }

  // ── snapshot and flush ───────────────────────────────────────────────────────────────────

  /** What this node would flush now, without starting a new interval. */
  snapshot(): NodeSnapshot {
    return this.buildSnapshot(false);
  }

  /** Flushes now (or joins the flush in progress); resolves false when the store refused it. */
  flushNow(): Promise<boolean> {
    if (!this.inFlight) this.inFlight = this.flushOnce().finally(() => (this.inFlight = null));
    return this.inFlight;
  }

  private async flushOnce(): Promise<boolean> {
    const startedAt = Date.now();
    const full = this.needsFullSync || this.hashesMayHaveExpired(startedAt);
    this.needsFullSync = false;
    const snapshot = this.buildSnapshot(true);
    const started = performance.now();
    try {
      const { expired } = await this.write(snapshot, full);
      // The store saw the hashes gone (Redis restarted, or a stall this clock missed): the delta
      // just written is all the sockets hash holds, so write it whole at once.
      if (expired && !full) await this.write(snapshot, true);
    } catch (error) {
      this.needsFullSync = true;
      this.redis = { connected: false, latencyMs: null };
      if (this.failures++ === 0)
        this.log.warn(`flush to the store failed, will retry: ${describeError(error)}`);
      this.scheduleRetry();
      return false;
    }
    this.lastWriteAt = startedAt;
    this.redis = { connected: true, latencyMs: Math.round((performance.now() - started) * 100) / 100 };
    if (this.failures > 0)
      this.log.info(`flush to the store works again after ${this.failures} failed attempt(s)`);
    this.failures = 0;
    for (const listener of this.flushListeners) listener(snapshot);
    return true;
  }

  private write(snapshot: NodeSnapshot, full: boolean): Promise<FlushResult> {
    return withTimeout(
      this.store.flush(this.cluster, {
        snapshot,
        sockets: this.sockets.takeDelta(this.nodeId, full),
        ttlMs: HASH_TTL_INTERVALS * this.intervalMs,
        replaceSockets: full,
      }),
      2 * this.intervalMs,
      'flush timed out',
    );
  }

  /**
   * Whether the hashes may have expired since the last write the store confirmed: a flush deadline
   * was missed (a stall, a slow store, a suspended host), or the clock went back. Writing a delta
   * onto an expired hash would leave the node's sockets missing until they next change.
   */
  private hashesMayHaveExpired(now: number): boolean {
    if (this.lastWriteAt === null) return true;
    const elapsed = now - this.lastWriteAt;
    return elapsed < 0 || elapsed > (HASH_TTL_INTERVALS - 1) * this.intervalMs;
  }

  private scheduleRetry(): void {
    if (!this.running || this.retryTimer) return;
    const backoff = Math.min(this.intervalMs, 250 * 2 ** Math.min(this.failures - 1, 10));
    if (backoff >= this.intervalMs) return;
    this.retryTimer = setTimeout(() => {
      this.retryTimer = null;
      void this.flushNow();
    }, backoff);
    this.retryTimer.unref();
  }

  private buildSnapshot(rotate: boolean): NodeSnapshot {
    const now = Date.now();
    let window: LatencySketch;
    let cumulative: LatencySketch;
    if (rotate) {
      this.cumulative.merge(this.window);
      window = this.window.clone();
      cumulative = this.cumulative;
      this.window.reset();
    } else {
      window = this.window;
      cumulative = this.cumulative.clone().merge(this.window);
    }
    this.forgetRemovedNamespaces();
    const byNamespace: Record<string, number> = {};
    for (const name of this.staticNamespaces) byNamespace[name] = 0;
    Object.assign(byNamespace, this.sockets.byNamespace());
    return {
      v: SNAPSHOT_VERSION,
      node: {
        id: this.nodeId,
        cluster: this.cluster,
        version: this.version,
        hostname: hostname(),
        pid: process.pid,
        startedAt: this.startedAt,
        flushedAt: now,
        intervalMs: this.intervalMs,
        mode: this.mode,
      },
      gauges: {
        connections: this.sockets.size,
        byNamespace: foldCounts(byNamespace, LABEL_CAP),
        byTransport: this.sockets.byTransport(),
      },
      counters: {
        ...this.counters,
        disconnectReasons: this.disconnectReasons.toRecord(),
        eventsInByType: this.inByType.toRecord(),
        eventsOutByType: this.outByType.toRecord(),
      },
      latency: { window: window.toJSON(), cumulative: cumulative.toJSON() },
      rooms: collectRooms(this.namespaces.values(), this.roomCap),
      presence: this.presence(),
      infra: this.stats.sample(rotate, { ...this.redis }, now),
      rateLimits: { perSocket: this.limits.perSocket, perUser: this.limits.perUser },
    };
  }

  // ── commands ─────────────────────────────────────────────────────────────────────────────

  private async subscribe(): Promise<void> {
    try {
      this.unsubscribeCommands = await withTimeout(
        this.store.subscribeCommands(this.cluster, this.nodeId, (raw) => this.receiveCommand(raw)),
        Math.max(this.intervalMs, 1000),
        'subscribing timed out',
      );
    } catch (error) {
      this.log.warn(`subscribing to commands failed, will retry: ${describeError(error)}`);
      if (!this.running) return;
      this.subscribeTimer = setTimeout(() => {
        this.subscribeTimer = null;
        void this.subscribe();
      }, this.intervalMs);
      this.subscribeTimer.unref();
    }
  }

  private readonly commandHost: CommandHost = {
    sockets: this.sockets,
    namespace: (name) => this.namespaces.get(name),
    setMaintenance: (enabled, message) => this.setMaintenance(enabled, message),
    setRateLimits: (limits) => this.setRateLimits(limits),
  };

  /**
   * Handles one raw message from the command channels, one at a time in arrival order; never
   * rejects. Resolves once the command ran or was refused, with its ack on the way.
   */
  receiveCommand(raw: string): Promise<void> {
    this.commandQueue = this.commandQueue
      .then(() => this.respond(raw))
      .catch((error) => this.log.error(`handling a command failed: ${describeError(error)}`));
    return this.commandQueue;
  }

  private async respond(raw: string): Promise<void> {
    const parsed = parseCommand(raw, this);
    if (parsed.kind === 'not-for-us') return;
    if (parsed.kind === 'rejected') {
      this.counters.commandsRejected++;
      this.log.warn(`ignored a malformed command: ${parsed.reason}`);
      return;
    }
    const { envelope } = parsed;
    const admission = await this.commandGate.admit(envelope);
    let outcome: CommandOutcome;
    if (!admission.admitted) {
      this.counters.commandsRejected++;
      this.log.warn(
        `refused command ${envelope.id} (${envelope.command.type} by ${JSON.stringify(envelope.actor)}): ${admission.reason}`,
      );
      if (!admission.ack) return;
      outcome = { ok: false, affected: 0, error: `refused: ${admission.reason}` };
    } else {
      try {
        outcome = executeCommand(envelope.command, this.commandHost);
      } catch (error) {
        outcome = { ok: false, affected: 0, error: describeError(error) };
      }
      if (outcome.ok) this.counters.commandsExecuted++;
    }
    const ack: CommandAck = {
      commandId: envelope.id,
      nodeId: this.nodeId,
      ok: outcome.ok,
      affected: outcome.affected,
      ...(outcome.error ? { error: outcome.error } : {}),
      at: Date.now(),
    };
    for (const listener of this.commandListeners) listener(envelope, ack);
    this.store
      .writeAck(this.cluster, ack, this.ackTtlMs)
      .catch((error) => this.log.warn(`acking command ${envelope.id} failed: ${describeError(error)}`));
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
    if (this.mode === 'maintenance') {
      next(
        refusal(
          `server is in maintenance mode: ${this.maintenanceMessage ?? 'try again later'}`,
          'maintenance',
        ),
      );
      return;
    }
    if (this.mode === 'draining') {
      next(refusal('server is shutting down: reconnect to another node', 'draining'));
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
    if (transport !== 'websocket') {
      socket.conn.once('upgrade', () => this.sockets.changeTransport(tracked, socket.conn.transport.name));
    }
  }

  private readonly roomChanged = (_room: string, socketId: string): void => {
    const tracked = this.sockets.get(socketId);
    if (tracked) this.sockets.markDirty(tracked);
  };

  private readonly socketPrototype = hookedSocketPrototype({
    inbound: (socket, event) => {
      const tracked = this.sockets.get(socket.id);
      const type = event[0];
      this.counters.eventsIn++;
      this.inByType.add(typeof type === 'string' ? type : OVERFLOW_LABEL);
      if (!tracked) return true;
      const now = Date.now();
      tracked.lastEventAt = now;
      this.sockets.markDirty(tracked);
      const { perSocket, perUser } = this.limits;
      if (!perSocket && !perUser) return true;
      const withinSocket = perSocket ? admit(tracked, perSocket, now) : true;
      const userWindow = perUser && withinSocket ? this.sockets.userWindow(tracked) : null;
      const withinUser = perUser && userWindow ? admit(userWindow, perUser, now) : true;
      if (withinSocket && withinUser) return true;
      this.counters.rateLimited++;
      const ack = event[event.length - 1];
      if (typeof ack === 'function') {
        const limit = withinSocket ? perUser : perSocket;
        ack({
          ok: false,
          error: `rate limited: more than ${limit?.limit} events per ${limit?.windowMs} ms ${withinSocket ? 'for this user' : 'on this socket'}`,
        });
      }
      return false;
    },
    // A handler for a type makes the type known: its series start at 0 before the first event.
    listening: (event) => {
      if (!RESERVED_EVENTS.has(event)) this.inByType.add(event, 0);
    },
    handled: (ms) => this.window.add(ms),
    failed: (error, event) => {
      this.counters.errors++;
      this.log.error(`handler for '${String(event)}' failed: ${describeError(error)}`);
    },
    outbound: (packet) => {
      this.counters.eventsOut++;
      const type = packet.data?.[0];
      this.outByType.add(typeof type === 'string' ? type : OVERFLOW_LABEL);
    },
    closed: (socket, reason) => {
      const tracked = this.sockets.get(socket.id);
      if (!tracked) return;
      this.sockets.remove(tracked);
      this.counters.disconnects++;
      this.disconnectReasons.add(reason);
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

function refusal(message: string, code: string): ExtendedError {
  return Object.assign(new Error(message), { data: { code } });
}
