import { type TapEntry, TapEntry as TapEntrySchema, type TapEvent } from '@telltale/shared/tap';
import { type AdminApi, ApiError, pathParam } from './api.ts';
import { byId, h, setText } from './dom.ts';
import { formatClock } from './format.ts';
import { SseParser } from './sse-parser.ts';
import type { TokenStore } from './token.ts';

/** Rows the table keeps; older ones go (the tap's stream in the store keeps more). */
const ROWS_KEPT = 300;
/** A stream the edge ended (it bounds each one) is reopened after this long, from the last entry. */
const REOPEN_MS = 200;

type TapState = 'idle' | 'starting' | 'live' | 'paused' | 'ended';

/**
 * The live event inspector: a form that starts a tap (filters, sample rate, cap, duration,
 * payloads), the tap's events as they arrive over SSE, newest first, with pause (the stream is
 * closed and reopened from the last entry seen, so nothing is lost within the store's bound) and
 * stop. The tap ends by itself at its duration; the edge then ends the stream with `end`.
 */
export class TapPanel {
  private readonly form = byId<HTMLFormElement>('tap-form');
  private readonly body = byId('tap-events').querySelector('tbody')!;
  private tapId: string | null = null;
  private endsAt = 0;
  private lastId: string | null = null;
  private state: TapState = 'idle';
  private stream: AbortController | null = null;
  private events = 0;
  private dropped = 0;
  private nodes = new Set<string>();
  private ticker: ReturnType<typeof setInterval> | null = null;

  constructor(
    private readonly api: AdminApi,
    private readonly tokens: TokenStore,
    private readonly onError: (message: string) => void,
  ) {
    this.form.addEventListener('submit', (event) => {
      event.preventDefault();
      void this.start();
    });
    byId('tap-pause').addEventListener('click', () =>
      this.state === 'paused' ? this.resume() : this.pause(),
    );
    byId('tap-stop').addEventListener('click', () => void this.stop());
    this.render();
  }

  private field(id: string): string {
    return byId<HTMLInputElement>(id).value.trim();
  }

  private async start(): Promise<void> {
    this.close();
    const filter: Record<string, string> = {};
    for (const [key, id] of [
      ['namespace', 'tap-namespace'],
      ['event', 'tap-event'],
      ['socketId', 'tap-socket'],
      ['userId', 'tap-user'],
      ['room', 'tap-room'],
    ] as const) {
      const value = this.field(id);
      if (value) filter[key] = value;
    }
    this.state = 'starting';
    this.render();
    try {
      const answer = await this.api.read(
        this.api.client.admin.taps.$post({
          json: {
            filter,
            sampleRate: Number(this.field('tap-sample') || '1'),
            maxEventsPerSecond: Number(this.field('tap-rate') || '50'),
            durationMs: Math.round(Number(this.field('tap-duration') || '60') * 1000),
            payloads: byId<HTMLInputElement>('tap-payloads').checked,
          },
        }),
        'POST /admin/taps',
      );
      this.tapId = answer.tap.id;
      this.endsAt = answer.tap.endsAt;
      this.lastId = null;
      this.events = 0;
      this.dropped = 0;
      this.nodes = new Set(answer.result?.acked ?? []);
      this.body.replaceChildren();
      this.state = 'live';
      this.ticker = setInterval(() => this.render(), 1000);
      void this.open();
    } catch (error) {
      this.state = this.tapId ? 'ended' : 'idle';
      this.onError(error instanceof ApiError ? error.message : String(error));
    }
    this.render();
  }

  private pause(): void {
    if (this.state !== 'live') return;
    this.state = 'paused';
    this.stream?.abort();
    this.stream = null;
    this.render();
  }

  private resume(): void {
    if (this.state !== 'paused') return;
    this.state = 'live';
    this.render();
    void this.open();
  }

  private async stop(): Promise<void> {
    const id = this.tapId;
    if (!id || this.state === 'ended') return;
    try {
      await this.api.read(
        this.api.client.admin.taps[':id'].stop.$post({ param: { id: pathParam(id) } }),
        'POST /admin/taps/:id/stop',
      );
      // The nodes' last entries and their `ended` notices are still to come: read on until `end`.
      if (this.state === 'paused') this.resume();
      this.endsAt = Math.min(this.endsAt, Date.now());
      this.render();
    } catch (error) {
      this.onError(error instanceof ApiError ? error.message : String(error));
    }
  }

  /** Reads the tap's SSE stream from the last entry seen until it ends, is paused, or the tap ends. */
  private async open(): Promise<void> {
    const id = this.tapId;
    if (!id || this.state !== 'live') return;
    const abort = new AbortController();
    this.stream = abort;
    try {
      const token = await this.tokens.get();
      const headers: Record<string, string> = {
        authorization: `Bearer ${token}`,
        accept: 'text/event-stream',
      };
      if (this.lastId) headers['last-event-id'] = this.lastId;
      const response = await fetch(`${this.api.base}/admin/taps/${encodeURIComponent(id)}/events`, {
        headers,
        signal: abort.signal,
        cache: 'no-store',
      });
      if (!response.ok || !response.body) throw new Error(`tap stream answered HTTP ${response.status}`);
      const parser = new SseParser();
      const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        for (const frame of parser.push(value)) {
          if (frame.event === 'end') {
            this.ended();
            return;
          }
          if (frame.event !== 'tap') continue;
          const entry = TapEntrySchema.safeParse(JSON.parse(frame.data));
          if (frame.id) this.lastId = frame.id;
          if (entry.success) this.show(entry.data);
        }
      }
    } catch (error) {
      if (abort.signal.aborted) return;
      this.onError(`tap stream: ${error instanceof Error ? error.message : String(error)}`);
    } finally {
      if (this.stream === abort) this.stream = null;
    }
    // The edge bounds each stream: go on from the last entry, as long as the tap is watched.
    if (this.tapId === id && this.state === 'live') setTimeout(() => void this.open(), REOPEN_MS);
  }

  private ended(): void {
    this.state = 'ended';
    this.stream?.abort();
    this.stream = null;
    if (this.ticker) clearInterval(this.ticker);
    this.ticker = null;
    this.render();
  }

  private close(): void {
    this.stream?.abort();
    this.stream = null;
    if (this.ticker) clearInterval(this.ticker);
    this.ticker = null;
  }

  private show(entry: TapEntry): void {
    this.nodes.add(entry.node);
    if (entry.kind === 'dropped') this.dropped += entry.count;
    if (entry.kind !== 'event') {
      this.render();
      return;
    }
    this.events++;
    this.body.prepend(row(entry));
    while (this.body.children.length > ROWS_KEPT) this.body.lastElementChild?.remove();
    this.render();
  }

  private render(): void {
    const live = this.state === 'live' || this.state === 'paused';
    const status = byId('tap-status');
    status.dataset.state = this.state;
    const left = Math.max(0, Math.ceil((this.endsAt - Date.now()) / 1000));
    const counts = `${this.events} events${this.dropped ? ` · ${this.dropped} over the cap, not shown` : ''} · ${this.nodes.size} node${this.nodes.size === 1 ? '' : 's'}`;
    const text: Record<TapState, string> = {
      idle: 'No tap running. Start one to see matching events live.',
      starting: 'Starting the tap on every live node…',
      live: `Live · ends in ${left} s · ${counts}`,
      paused: `Paused (events keep being caught) · ends in ${left} s · ${counts}`,
      ended: `Ended · ${counts}`,
    };
    setText(status, text[this.state]);
    const pause = byId<HTMLButtonElement>('tap-pause');
    setText(pause, this.state === 'paused' ? 'Resume' : 'Pause');
    pause.disabled = !live;
    byId<HTMLButtonElement>('tap-stop').disabled = !live;
    byId<HTMLButtonElement>('tap-start').disabled = this.state === 'starting';
  }
}

function row(event: TapEvent): HTMLTableRowElement {
  const payload = event.payload === undefined ? '' : `${event.payload}`;
  return h(
    'tr',
    { 'data-direction': event.direction, 'data-event': event.event },
    h('td', { class: 'num nowrap' }, formatClock(event.at)),
    h('td', { class: 'mono' }, event.node),
    h('td', {}, event.direction === 'in' ? '← in' : '→ out'),
    h('td', { class: 'mono' }, event.namespace),
    h('td', { class: 'mono' }, event.event),
    h('td', { class: 'mono' }, event.socketId),
    h('td', { class: 'mono' }, event.userId ?? '–'),
    h('td', { class: 'num' }, event.bytes),
    h('td', { class: 'mono tap-payload' }, payload),
  );
}
