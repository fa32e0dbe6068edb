import { hostname } from 'node:os';
import {
  type FlushResult,
  LatencySketch,
  type NodeCounters,
  type NodeMeta,
  type NodePresence,
  type NodeSnapshot,
  type NodeStore,
  SNAPSHOT_VERSION,
  withTimeout,
} from '@telltale/shared';
import type { RateLimits } from './admission.ts';
import { type Contribution, ContributionTracker, usersOf } from './contribution.ts';
import { CappedCounter, foldCounts, LABEL_CAP } from './labels.ts';
import { describeError, type InstrumentLogger } from './log.ts';
import type { ProcessStats } from './process-stats.ts';
import type { RoomCensus } from './rooms.ts';
import type { SocketTable } from './socket-table.ts';

/** The snapshot and sockets hashes expire this many flush intervals after a write. */
export const HASH_TTL_INTERVALS = 3;

type ScalarCounters = { [K in keyof NodeCounters as NodeCounters[K] extends number ? K : never]: number };

/** What the hot path counts between flushes: integer increments and one sketch add per event. */
export class NodeMeters {
  readonly counters: ScalarCounters = {
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
  readonly inByType: CappedCounter;
  readonly outByType: CappedCounter;
  readonly disconnectReasons = new CappedCounter(50);
  /** Refused connections by reason: the node's own refusal codes, a handful. */
  readonly refusedConnections = new CappedCounter(LABEL_CAP);
  private readonly window = new LatencySketch();
  private readonly cumulative = new LatencySketch();

  constructor(eventTypeCap: number) {
    this.inByType = new CappedCounter(eventTypeCap);
    this.outByType = new CappedCounter(eventTypeCap);
  }

  handled(ms: number): void {
    this.window.add(ms);
  }

  /** The snapshot's counters and latency; `rotate` starts a new latency window. */
  read(rotate: boolean): Pick<NodeSnapshot, 'counters' | 'latency'> {
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
    return {
      counters: {
        ...this.counters,
        disconnectReasons: this.disconnectReasons.toRecord(),
        refusedConnections: this.refusedConnections.toRecord(),
        eventsInByType: this.inByType.toRecord(),
        eventsOutByType: this.outByType.toRecord(),
      },
      latency: { window: window.toJSON(), cumulative: cumulative.toJSON() },
    };
  }
}

/** What the node looks like at flush time, read from the instrumentation. */
export interface NodeState {
  mode: NodeMeta['mode'];
  /** Sockets per namespace, the app's own namespaces listed at 0 when empty. */
  byNamespace: Record<string, number>;
  /** Every local room; the snapshot carries its summary, the aggregates its changes. */
  rooms: RoomCensus;
  /** Users online / away here; the snapshot carries the counts, the aggregates the changes. */
  presence: NodePresence;
  rateLimits: RateLimits;
}

export interface FlusherOptions {
  store: NodeStore;
  cluster: string;
  nodeId: string;
  version: string;
  startedAt: number;
  intervalMs: number;
  log: InstrumentLogger;
  sockets: SocketTable;
  meters: NodeMeters;
  stats: ProcessStats;
  state: () => NodeState;
}

/**
 * Builds the node's snapshot and writes it with the sockets delta every interval; decides when the
 * sockets hash must be written whole, and retries a failed flush with backoff before the next tick.
 */
export class Flusher {
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
  private running = false;
  private readonly listeners = new Set<(snapshot: NodeSnapshot) => void>();
  /** What the store holds of this node's rooms and users, so a flush sends only what changed. */
  private readonly contribution = new ContributionTracker();

  constructor(private readonly options: FlusherOptions) {}

  /** Whether the last flush reached the store; null before the first one. */
  get storeConnected(): boolean | null {
    return this.redis.connected;
  }

  /** Failed flushes are retried from now on, before the next tick. */
  start(): void {
    this.running = true;
  }

  /** Flushes every interval from now on. */
  schedule(): void {
    this.timer = setInterval(() => void this.flushNow(), this.options.intervalMs);
    this.timer.unref();
  }

  /** No more ticks or retries. */
  stop(): void {
    this.running = false;
    for (const timer of [this.timer, this.retryTimer]) if (timer) clearTimeout(timer);
    this.timer = this.retryTimer = null;
  }

  /** Resolves once the flush in progress, if any, settled. */
  async settled(): Promise<void> {
    await this.inFlight;
  }

  /** The next flush rewrites the sockets hash whole. */
  resync(): void {
    this.needsFullSync = true;
  }

  onFlush(listener: (snapshot: NodeSnapshot) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Flushes now (or joins the flush in progress); resolves false when the store refused it. */
  flushNow(): Promise<boolean> {
    if (!this.inFlight) this.inFlight = this.flushOnce().finally(() => (this.inFlight = null));
    return this.inFlight;
  }

  /** What the node would flush now; `rotate` starts a new interval (latency window, process stats). */
  snapshot(rotate: boolean): NodeSnapshot {
    return this.capture(rotate).snapshot;
  }

  /** The snapshot, and the rooms and users it summarizes, read once. */
  private capture(rotate: boolean): { snapshot: NodeSnapshot; contribution: Contribution } {
    const now = Date.now();
    const { options } = this;
    const state = options.state();
    const users = usersOf(state.presence);
    let online = 0;
    for (const status of users.values()) if (status === 'online') online++;
    const contribution = { rooms: state.rooms.rooms, users };
    const byNamespace = { ...state.byNamespace, ...options.sockets.byNamespace() };
    const snapshot: NodeSnapshot = {
      v: SNAPSHOT_VERSION,
      node: {
        id: options.nodeId,
        cluster: options.cluster,
        version: options.version,
        hostname: hostname(),
        pid: process.pid,
        startedAt: options.startedAt,
        flushedAt: now,
        intervalMs: options.intervalMs,
        mode: state.mode,
      },
      gauges: {
        connections: options.sockets.size,
        byNamespace: foldCounts(byNamespace, LABEL_CAP),
        byTransport: options.sockets.byTransport(),
      },
      ...options.meters.read(rotate),
      rooms: state.rooms.summary,
      presence: { online, away: users.size - online, staleClients: state.presence.staleClients },
      infra: options.stats.sample(rotate, { ...this.redis }, now),
      rateLimits: { perSocket: state.rateLimits.perSocket, perUser: state.rateLimits.perUser },
    };
    return { snapshot, contribution };
  }

  private async flushOnce(): Promise<boolean> {
    const startedAt = Date.now();
    const full = this.needsFullSync || this.hashesMayHaveExpired(startedAt);
    this.needsFullSync = false;
    const { snapshot, contribution } = this.capture(true);
    const started = performance.now();
    try {
      const { expired } = await this.write(snapshot, contribution, full);
      // The store saw the hashes gone (Redis restarted, or a stall this clock missed): the delta
      // just written is all the sockets hash holds, and the aggregates took none of it, so write
      // both whole at once.
      if (expired && !full) await this.write(snapshot, contribution, true);
      this.contribution.confirm(contribution);
    } catch (error) {
      this.needsFullSync = true;
      this.redis = { connected: false, latencyMs: null };
      if (this.failures++ === 0)
        this.options.log.warn(`flush to the store failed, will retry: ${describeError(error)}`);
      this.scheduleRetry();
      return false;
    }
    this.lastWriteAt = startedAt;
    this.redis = { connected: true, latencyMs: Math.round((performance.now() - started) * 100) / 100 };
    if (this.failures > 0)
      this.options.log.info(`flush to the store works again after ${this.failures} failed attempt(s)`);
    this.failures = 0;
    for (const listener of this.listeners) listener(snapshot);
    return true;
  }

  private write(snapshot: NodeSnapshot, contribution: Contribution, full: boolean): Promise<FlushResult> {
    const { store, nodeId, intervalMs, sockets } = this.options;
    return withTimeout(
      store.flush({
        snapshot,
        sockets: sockets.takeDelta(nodeId, full),
        ttlMs: HASH_TTL_INTERVALS * intervalMs,
        replaceSockets: full,
        aggregates: this.contribution.changes(contribution, full),
      }),
      2 * intervalMs,
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
    return elapsed < 0 || elapsed > (HASH_TTL_INTERVALS - 1) * this.options.intervalMs;
  }

  private scheduleRetry(): void {
    const { intervalMs } = this.options;
    if (!this.running || this.retryTimer) return;
    const backoff = Math.min(intervalMs, 250 * 2 ** Math.min(this.failures - 1, 10));
    if (backoff >= intervalMs) return;
    this.retryTimer = setTimeout(() => {
      this.retryTimer = null;
      void this.flushNow();
    }, backoff);
    this.retryTimer.unref();
  }
}
