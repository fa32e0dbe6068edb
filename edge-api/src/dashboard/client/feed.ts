import { type AdminApi, ApiError } from './api.ts';
import { Backoff } from './backoff.ts';
import { ClusterView, FeedMessage, type FeedUpdate } from './schemas.ts';
import { SseParser } from './sse-parser.ts';
import type { TokenStore } from './token.ts';

export type Transport = 'websocket' | 'sse' | 'polling';
const LADDER: Transport[] = ['websocket', 'sse', 'polling'];

/** A transport that fails this many times without ever delivering an update gives way to the next. */
const FAILURES_BEFORE_FALLBACK = 2;

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
  lastError: string | null;
}

export interface FeedListener {
  /** `polled`: the update came from GET /metrics, which carries no health status. */
  update(update: FeedUpdate, polled: boolean): void;
  diagnostics(diagnostics: FeedDiagnostics): void;
}

interface Channel {
  /** Sends a control message; false when this transport cannot carry it (the feed then acts locally). */
  send(message: { type: 'subscribe' | 'pause' | 'resume' | 'force-update' }): boolean;
  close(): void;
}

/**
 * The live feed: WebSocket first, then SSE (read through fetch so the token travels as a header),
 * then polling GET /metrics. Reconnects with jittered exponential backoff; pause, resume and
 * force-update go to the server when the transport can carry them.
 */
export class LiveFeed {
  private transport: Transport = 'websocket';
  private channel: Channel | null = null;
  private readonly backoff = new Backoff(1000, 30_000);
  private failuresWithoutUpdate = 0;
  private retryTimer: ReturnType<typeof setTimeout> | null = null;
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
  ) {}

  get diagnostics(): FeedDiagnostics {
    return { ...this.state };
  }

  start(): void {
    this.stopped = false;
    this.transport = LADDER.find((t) => t === 'polling' || this.supported[t]) ?? 'polling';
    void this.open();
  }

  stop(): void {
    this.stopped = true;
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.channel?.close();
    this.channel = null;
  }

  pause(): void {
    this.state.paused = true;
    this.channel?.send({ type: 'pause' });
    this.emit();
  }

  resume(): void {
    this.state.paused = false;
    this.channel?.send({ type: 'resume' });
    this.emit();
  }

  forceUpdate(): void {
    this.forceSentAt = performance.now();
    if (!this.channel?.send({ type: 'force-update' })) void this.pollOnce(true);
  }

  private async open(): Promise<void> {
    if (this.stopped) return;
    this.state.transport = this.transport;
    this.emit();
    try {
      const token = await this.tokens.get();
      this.channel =
        this.transport === 'websocket'
          ? this.openWebSocket(token)
          : this.transport === 'sse'
            ? this.openSse(token)
            : this.openPolling();
    } catch (error) {
      this.failed(error instanceof Error ? error.message : String(error));
    }
  }

  private openWebSocket(token: string): Channel {
    const url = new URL(`${this.api.base}/admin/ws`, location.href);
    url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
    url.searchParams.set('access_token', token);
    const socket = new WebSocket(url);
    let opened = false;
    let closedByUs = false;
    socket.addEventListener('open', () => {
      opened = true;
      this.opened();
      socket.send(JSON.stringify({ type: 'subscribe' }));
      if (this.state.paused) socket.send(JSON.stringify({ type: 'pause' }));
    });
    socket.addEventListener('message', (event) => {
      if (typeof event.data === 'string') this.receive(event.data);
    });
    socket.addEventListener('close', (event) => {
      if (closedByUs) return;
      this.failed(
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

  private openSse(token: string): Channel {
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
      this.opened();
      const parser = new SseParser();
      const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
      for (;;) {
        const { value, done } = await reader.read();
        if (done) throw new Error('SSE stream ended');
        for (const event of parser.push(value)) this.receive(event.data);
      }
    };
    run().catch((error: unknown) => {
      if (!abort.signal.aborted) this.failed(error instanceof Error ? error.message : String(error));
    });
    return { send: () => false, close: () => abort.abort() };
  }

  private openPolling(): Channel {
    let timer: ReturnType<typeof setTimeout> | null = null;
    let closed = false;
    const loop = async () => {
      if (closed) return;
      const ok = await this.pollOnce(false);
      if (closed) return;
      if (ok) timer = setTimeout(loop, this.state.intervalMs);
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

  /** One GET /metrics turned into a feed update; while paused only forced polls are applied. */
  private async pollOnce(forced: boolean): Promise<boolean> {
    if (this.state.paused && !forced) return true;
    try {
      const view = await this.api.get('/metrics', ClusterView);
      if (this.transport === 'polling') this.opened();
      this.deliver(
        {
          type: 'update',
          at: view.generatedAt,
          forced,
          status: 'pass',
          reason: null,
          view,
          error: null,
          alerts: [],
        },
        true,
      );
      return true;
    } catch (error) {
      if (this.transport === 'polling')
        this.failed(error instanceof ApiError ? error.message : String(error));
      return false;
    }
  }

  private opened(): void {
    this.state.connection = 'open';
    this.state.nextRetryInMs = null;
    this.emit();
  }

  private receive(raw: string): void {
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
    const message = parsed.data;
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
        this.deliver(message, false);
        return;
    }
    this.emit();
  }

  private deliver(update: FeedUpdate, polled: boolean): void {
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
    this.listener.update(update, polled);
    this.emit();
  }

  private failed(reason: string): void {
    if (this.stopped) return;
    this.channel?.close();
    this.channel = null;
    this.state.lastError = reason;
    this.state.connection = 'reconnecting';
    this.state.reconnects++;
    this.failuresWithoutUpdate++;
    const rung = LADDER.indexOf(this.transport);
    if (this.failuresWithoutUpdate >= FAILURES_BEFORE_FALLBACK && rung < LADDER.length - 1) {
      this.transport = LADDER.slice(rung + 1).find((t) => t === 'polling' || this.supported[t]) ?? 'polling';
      this.failuresWithoutUpdate = 0;
      this.backoff.reset();
    }
    const delay = this.backoff.next();
    this.state.nextRetryInMs = delay;
    this.emit();
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.retryTimer = setTimeout(() => void this.open(), delay);
  }

  private emit(): void {
    this.listener.diagnostics({ ...this.state });
  }
}
