import { liveProtocols } from '../../live/ws-protocol.ts';
import { type AdminApi, ApiError } from './api.ts';
import { Backoff } from './backoff.ts';
import { FeedMessage, type FeedUpdate, PolledUpdate } from './schemas.ts';
import { SseParser } from './sse-parser.ts';
import type { TokenStore } from './token.ts';

export type Transport = 'websocket' | 'sse' | 'polling';
const LADDER: Transport[] = ['websocket', 'sse', 'polling'];

/** A transport that fails this many times without ever delivering an update gives way to the next. */
const FAILURES_BEFORE_FALLBACK = 2;
/**
 * On a lower rung, how soon the feed tries the rung above again (alongside, without dropping the
 * one that works): doubling after each failed try, so a restarted edge gets its WebSocket back.
 */
export const PROBE_DELAY = { firstMs: 2000, maxMs: 60_000 } as const;

export interface FeedDiagnostics {
  transport: Transport;
  connection: 'connecting' | 'open' | 'reconnecting';
  paused: boolean;
  intervalMs: number;
  /** Browser clock when the last update arrived. */
  lastUpdateAt: number | null;
  /** Arrival minus the server's timestamp of the update (includes any clock skew). */
  delayMs: number | null;
  /** Round trip of the last force-update: request sent → forced update received. */
  forceRoundTripMs: number | null;
  updates: number;
  reconnects: number;
  nextRetryInMs: number | null;
  /** The rung above being tried, or due to be tried; null on the top rung. */
  probing: Transport | null;
  lastError: string | null;
}

export interface FeedListener {
  update(update: FeedUpdate): void;
  diagnostics(diagnostics: FeedDiagnostics): void;
}

interface Channel {
  /** Sends a control message; false when this transport cannot carry it (the feed then acts locally). */
  send(message: { type: 'subscribe' | 'pause' | 'resume' | 'force-update' }): boolean;
  close(): void;
}

/** What a channel reports: it opened, a frame arrived, it failed (and is closed). */
interface ChannelEvents {
  opened(): void;
  frame(message: FeedMessage): void;
  failed(reason: string): void;
}

/** One channel on one transport: the feed's own, or a probe of the rung above it. */
interface Attempt {
  transport: Transport;
  channel: Channel | null;
}

/**
 * The live feed: WebSocket first (the token in its subprotocol offer, never in the URL), then SSE
 * (read through fetch so the token travels as a header), then polling GET /admin/live/update (the
 * same admin update the other two push). Steps down after repeated failures, reconnects with
 * jittered exponential backoff, and from a lower rung probes upward with backoff until it is back
 * on WebSocket. Pause, resume and force-update go to the server when the transport can carry them.
 */
export class LiveFeed {
  private main: Attempt | null = null;
  private probe: Attempt | null = null;
  private readonly backoff = new Backoff(1000, 30_000);
  private readonly probeBackoff: Backoff;
  private failuresWithoutUpdate = 0;
  private retryTimer: ReturnType<typeof setTimeout> | null = null;
  private probeTimer: ReturnType<typeof setTimeout> | null = null;
  private forceSentAt: number | null = null;
  private stopped = false;
  private readonly state: FeedDiagnostics = {
    transport: 'websocket',
    connection: 'connecting',
    paused: false,
    intervalMs: 5000,
    lastUpdateAt: null,
    delayMs: null,
    forceRoundTripMs: null,
    updates: 0,
    reconnects: 0,
    nextRetryInMs: null,
    probing: null,
    lastError: null,
  };

  constructor(
    private readonly api: AdminApi,
    private readonly tokens: TokenStore,
    private readonly listener: FeedListener,
    private readonly supported: { websocket: boolean; sse: boolean } = {
      websocket: typeof WebSocket === 'function',
      sse: typeof ReadableStream === 'function',
    },
    probeDelay: { firstMs: number; maxMs: number } = PROBE_DELAY,
  ) {
    this.probeBackoff = new Backoff(probeDelay.firstMs, probeDelay.maxMs);
  }

  get diagnostics(): FeedDiagnostics {
    return { ...this.state };
  }

  start(): void {
    this.stopped = false;
    this.state.transport = this.below(-1);
    void this.openMain();
  }

  stop(): void {
    this.stopped = true;
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.cancelProbe();
    this.main?.channel?.close();
    this.main = null;
  }

  pause(): void {
    this.state.paused = true;
    this.main?.channel?.send({ type: 'pause' });
    this.emit();
  }

  resume(): void {
    this.state.paused = false;
    this.main?.channel?.send({ type: 'resume' });
    this.emit();
  }

  forceUpdate(): void {
    this.forceSentAt = performance.now();
    if (!this.main?.channel?.send({ type: 'force-update' })) void this.pollOnce(true);
  }

  /** The first supported transport after rung `rung` of the ladder (polling always is). */
  private below(rung: number): Transport {
    return LADDER.slice(rung + 1).find((t) => t === 'polling' || this.supported[t]) ?? 'polling';
  }

  /** The first supported transport above the current one; null on the top supported rung. */
  private above(): Transport | null {
    const rung = LADDER.indexOf(this.state.transport);
    return LADDER.slice(0, rung).find((t) => t === 'polling' || this.supported[t]) ?? null;
  }

  private async openMain(): Promise<void> {
    if (this.stopped) return;
    const attempt: Attempt = { transport: this.state.transport, channel: null };
    this.main = attempt;
    this.emit();
    const channel = await this.openChannel(attempt.transport, {
      opened: () => {
        if (this.main === attempt) this.opened();
      },
      frame: (message) => {
        if (this.main === attempt) this.handle(message);
      },
      failed: (reason) => {
        if (this.main === attempt) this.failed(reason);
      },
    });
    if (this.main === attempt) attempt.channel = channel;
    else channel?.close();
  }

  /** Tries the rung above alongside the working channel; its first frame makes it the feed's own. */
  private async openProbe(transport: Transport): Promise<void> {
    this.probeTimer = null;
    if (this.stopped) return;
    const attempt: Attempt = { transport, channel: null };
    this.probe = attempt;
    const channel = await this.openChannel(transport, {
      opened: () => {},
      frame: (message) => {
        if (this.probe !== attempt) return;
        this.promote(attempt);
        this.handle(message);
      },
      failed: (reason) => {
        if (this.probe !== attempt) return;
        this.probe = null;
        this.state.lastError = `${transport} still unavailable: ${reason}`;
        this.scheduleProbe();
      },
    });
    if (this.probe === attempt || this.main === attempt) attempt.channel = channel;
    else channel?.close();
  }

  private promote(attempt: Attempt): void {
    this.probe = null;
    this.main?.channel?.close();
    this.main = attempt;
    this.state.transport = attempt.transport;
    this.probeBackoff.reset();
    this.state.probing = null;
    if (this.state.paused) attempt.channel?.send({ type: 'pause' });
    this.opened();
  }

  private scheduleProbe(): void {
    const target = this.above();
    this.state.probing = target;
    if (!target || this.probe || this.probeTimer || this.stopped) return;
    this.probeTimer = setTimeout(() => void this.openProbe(target), this.probeBackoff.next());
  }

  private cancelProbe(): void {
    if (this.probeTimer) clearTimeout(this.probeTimer);
    this.probeTimer = null;
    this.probe?.channel?.close();
    this.probe = null;
    this.state.probing = null;
  }

  private async openChannel(transport: Transport, events: ChannelEvents): Promise<Channel | null> {
    try {
      if (transport === 'polling') return this.openPolling(events);
      const token = await this.tokens.get();
      return transport === 'websocket' ? this.openWebSocket(token, events) : this.openSse(token, events);
    } catch (error) {
      events.failed(error instanceof Error ? error.message : String(error));
      return null;
    }
  }

  private openWebSocket(token: string, events: ChannelEvents): Channel {
    const url = new URL(`${this.api.base}/admin/ws`, location.href);
    url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
    const socket = new WebSocket(url, liveProtocols(token));
    let opened = false;
    let closedByUs = false;
    socket.addEventListener('open', () => {
      opened = true;
      events.opened();
      socket.send(JSON.stringify({ type: 'subscribe' }));
      if (this.state.paused) socket.send(JSON.stringify({ type: 'pause' }));
    });
    socket.addEventListener('message', (event) => {
      if (typeof event.data === 'string') this.parse(event.data, events);
    });
    socket.addEventListener('close', (event) => {
      if (closedByUs) return;
      events.failed(
        opened
          ? `WebSocket closed (${event.code}${event.reason ? ` ${event.reason}` : ''})`
          : 'WebSocket refused',
      );
    });
    return {
      send(message) {
        if (socket.readyState !== WebSocket.OPEN) return false;
        socket.send(JSON.stringify(message));
        return true;
      },
      close() {
        closedByUs = true;
        socket.close(1000, 'dashboard closed the feed');
      },
    };
  }

  private openSse(token: string, events: ChannelEvents): Channel {
    const abort = new AbortController();
    const run = async () => {
      const response = await fetch(`${this.api.base}/admin/events`, {
        headers: { authorization: `Bearer ${token}`, accept: 'text/event-stream' },
        signal: abort.signal,
        cache: 'no-store',
      });
      if (response.status === 401 || response.status === 403) {
        await this.tokens.reject(`The edge API refused that token (HTTP ${response.status}). Try again.`);
        throw new Error(`SSE refused: HTTP ${response.status}`);
      }
      if (!response.ok || !response.body) throw new Error(`SSE answered HTTP ${response.status}`);
      events.opened();
      const parser = new SseParser();
      const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
      for (;;) {
        const { value, done } = await reader.read();
        if (done) throw new Error('SSE stream ended');
        for (const event of parser.push(value)) this.parse(event.data, events);
      }
    };
    run().catch((error: unknown) => {
      if (!abort.signal.aborted) events.failed(error instanceof Error ? error.message : String(error));
    });
    return { send: () => false, close: () => abort.abort() };
  }

  private openPolling(events: ChannelEvents): Channel {
    let timer: ReturnType<typeof setTimeout> | null = null;
    let closed = false;
    let opened = false;
    const loop = async () => {
      if (closed) return;
      if (!this.state.paused) {
        try {
          const update = await this.fetchUpdate(false);
          if (closed) return;
          if (!opened) events.opened();
          opened = true;
          events.frame(update);
        } catch (error) {
          if (!closed) events.failed(error instanceof ApiError ? error.message : String(error));
          return;
        }
      }
      if (!closed) timer = setTimeout(loop, this.state.intervalMs);
    };
    void loop();
    return {
      send: () => false,
      close() {
        closed = true;
        if (timer) clearTimeout(timer);
      },
    };
  }

  /** The admin update polling reads: the same message the WebSocket and SSE feeds push. */
  private fetchUpdate(forced: boolean): Promise<FeedUpdate> {
    return this.api.get(`/admin/live/update${forced ? '?fresh=1' : ''}`, PolledUpdate);
  }

  /** A forced update over a transport that cannot ask for one (SSE, polling). */
  private async pollOnce(forced: boolean): Promise<void> {
    try {
      this.deliver(await this.fetchUpdate(forced));
    } catch (error) {
      this.state.lastError = error instanceof ApiError ? error.message : String(error);
      this.emit();
    }
  }

  private opened(): void {
    this.state.connection = 'open';
    this.state.nextRetryInMs = null;
    this.emit();
  }

  private parse(raw: string, events: ChannelEvents): void {
    let json: unknown;
    try {
      json = JSON.parse(raw);
    } catch {
      this.state.lastError = 'feed sent a frame that is not JSON';
      this.emit();
      return;
    }
    const parsed = FeedMessage.safeParse(json);
    if (!parsed.success) {
      this.state.lastError = `feed sent an unexpected frame: ${parsed.error.issues[0]?.message ?? 'invalid'}`;
      this.emit();
      return;
    }
    events.frame(parsed.data);
  }

  private handle(message: FeedMessage): void {
    switch (message.type) {
      case 'hello':
        this.state.intervalMs = message.intervalMs;
        this.state.paused = this.state.paused || message.paused;
        break;
      case 'status':
        this.state.paused = message.paused;
        break;
      case 'error':
        this.state.lastError = message.message;
        break;
      case 'update':
        this.deliver(message);
        return;
    }
    this.emit();
  }

  private deliver(update: FeedUpdate): void {
    if (this.state.paused && !update.forced) return;
    const now = Date.now();
    this.failuresWithoutUpdate = 0;
    this.backoff.reset();
    this.state.updates++;
    this.state.lastUpdateAt = now;
    this.state.delayMs = Math.max(0, now - update.at);
    if (update.view) this.state.intervalMs = update.view.intervalMs;
    if (update.forced && this.forceSentAt !== null) {
      this.state.forceRoundTripMs = performance.now() - this.forceSentAt;
      this.forceSentAt = null;
    }
    this.state.lastError = update.error;
    // A working lower rung: try the one above it, with backoff, until the feed is back on top.
    this.scheduleProbe();
    this.listener.update(update);
    this.emit();
  }

  private failed(reason: string): void {
    if (this.stopped) return;
    this.main?.channel?.close();
    this.main = null;
    this.cancelProbe();
    this.state.lastError = reason;
    this.state.connection = 'reconnecting';
    this.state.reconnects++;
    this.failuresWithoutUpdate++;
    const rung = LADDER.indexOf(this.state.transport);
    if (this.failuresWithoutUpdate >= FAILURES_BEFORE_FALLBACK && rung < LADDER.length - 1) {
      this.state.transport = this.below(rung);
      this.failuresWithoutUpdate = 0;
      this.backoff.reset();
    }
    const delay = this.backoff.next();
    this.state.nextRetryInMs = delay;
    this.emit();
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.retryTimer = setTimeout(() => void this.openMain(), delay);
  }

  private emit(): void {
    this.listener.diagnostics({ ...this.state });
  }
}
