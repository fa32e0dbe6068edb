import type { AdminApi } from './api.ts';
import { badge, byId, fillTable, h, replaceChildren } from './dom.ts';
import { formatAge, formatCount, formatMs } from './format.ts';
import { CursorPager } from './pager.ts';
import {
  type CommandResult,
  CommandResult as CommandResultSchema,
  type ConnectionsPage,
  ConnectionsPage as ConnectionsPageSchema,
  type SocketRow,
} from './schemas.ts';

const PAGE_SIZE = 25;

/** Which API filter each choice of the search box maps to. */
const FILTER_PARAM = { search: 'search', user: 'user', room: 'room', node: 'node' } as const;
type SearchField = keyof typeof FILTER_PARAM;

/**
 * The paginated, searchable connections table with a Disconnect button per socket. A socket a
 * node acknowledged disconnecting is hidden at once: the node drops it from its sockets hash only
 * at its next flush.
 */
export class ConnectionsPanel {
  private readonly pager = new CursorPager(() => void this.refresh());
  private field: SearchField = 'search';
  private query = '';
  private readonly gone = new Map<string, number>();
  private readonly body = byId('connections-table').querySelector('tbody')!;
  private readonly pagerControls = byId('connections-pager');
  private readonly result = byId('command-result');
  private inFlight = false;

  constructor(
    private readonly api: AdminApi,
    private readonly onCommand: () => void,
    private readonly onError: (message: string) => void,
    private readonly hideForMs: () => number,
  ) {
    byId<HTMLFormElement>('connections-search').addEventListener('submit', (event) => {
      event.preventDefault();
      this.field = byId<HTMLSelectElement>('connections-field').value as SearchField;
      this.query = byId<HTMLInputElement>('connections-query').value.trim();
      this.pager.reset();
      void this.refresh();
    });
  }

  async refresh(): Promise<void> {
    if (this.inFlight) return;
    this.inFlight = true;
    const params = new URLSearchParams({ limit: String(PAGE_SIZE) });
    if (this.query) params.set(FILTER_PARAM[this.field], this.query);
    const cursor = this.pager.cursor;
    if (cursor) params.set('cursor', cursor);
    try {
      this.render(await this.api.get(`/admin/connections?${params}`, ConnectionsPageSchema));
    } catch (error) {
      this.onError(error instanceof Error ? error.message : String(error));
    } finally {
      this.inFlight = false;
    }
  }

  private render(page: ConnectionsPage): void {
    const now = Date.now();
    for (const [id, until] of this.gone) if (until < now) this.gone.delete(id);
    const rows = page.items
      .filter((socket) => !this.gone.has(socket.id))
      .map((socket) => this.row(socket, now));
    fillTable(this.body, 9, rows, this.query ? 'No connection matches that search.' : 'No connections.');
    this.pager.render(this.pagerControls, `page ${this.pager.page} · ${rows.length} shown`, page.nextCursor);
  }

  private row(socket: SocketRow, now: number): HTMLTableRowElement {
    const button = h(
      'button',
      { type: 'button', class: 'btn btn-danger btn-small', 'data-action': 'disconnect' },
      'Disconnect',
    );
    const row = h(
      'tr',
      { 'data-socket': socket.id },
      h('td', { class: 'mono' }, socket.id),
      h('td', { class: 'mono' }, socket.userId ?? h('span', { class: 'muted' }, 'anonymous')),
      h('td', { class: 'mono' }, socket.namespace),
      h('td', {}, socket.transport),
      h('td', { class: 'mono' }, socket.nodeId),
      h('td', { class: 'num', title: socket.roomNames.join(', ') }, formatCount(socket.rooms)),
      h('td', { class: 'num' }, formatAge(socket.connectedAt, now)),
      h('td', { class: 'num' }, formatAge(socket.lastEventAt, now)),
      h('td', { class: 'actions' }, button),
    );
    button.addEventListener('click', () => void this.disconnect(socket, row, button));
    return row;
  }

  private async disconnect(
    socket: SocketRow,
    row: HTMLTableRowElement,
    button: HTMLButtonElement,
  ): Promise<void> {
    button.disabled = true;
    button.textContent = 'Disconnecting…';
    try {
      const result = await this.api.post(
        `/admin/disconnect/${encodeURIComponent(socket.id)}`,
        CommandResultSchema,
      );
      this.show(describeResult(socket.id, result));
      if (result.affected > 0) {
        this.gone.set(socket.id, Date.now() + this.hideForMs());
        row.remove();
      } else {
        button.disabled = false;
        button.textContent = 'Disconnect';
      }
    } catch (error) {
      this.show({ tone: 'fail', text: error instanceof Error ? error.message : String(error) });
      button.disabled = false;
      button.textContent = 'Disconnect';
    }
    this.onCommand();
  }

  private show(message: { tone: 'pass' | 'warn' | 'fail'; text: string }): void {
    this.result.hidden = false;
    this.result.dataset.tone = message.tone;
    replaceChildren(
      this.result,
      badge(message.tone === 'pass' ? 'ack' : message.tone === 'warn' ? 'partial' : 'error', message.tone),
      ' ',
      message.text,
    );
  }
}

/** The command's honest answer in one sentence: who acked, what it touched, who did not answer. */
export function describeResult(
  socketId: string,
  result: CommandResult,
): { tone: 'pass' | 'warn' | 'fail'; text: string } {
  const took = formatMs(result.durationMs);
  const failed = result.acks.filter((ack) => !ack.ok);
  if (!result.complete || result.missing.length > 0) {
    return {
      tone: 'warn',
      text: `Partial answer after ${took}: acked by ${result.acked.join(', ') || 'no node'}, no answer from ${result.missing.join(', ')}; ${result.affected} socket(s) disconnected.`,
    };
  }
  if (failed.length > 0) {
    return {
      tone: 'fail',
      text: `${failed.map((ack) => `${ack.nodeId}: ${ack.error ?? 'failed'}`).join('; ')} (${took}).`,
    };
  }
  if (result.affected === 0) {
    return {
      tone: 'warn',
      text: `${result.acked.join(', ')} acked in ${took}, but socket ${socketId} was already gone.`,
    };
  }
  return {
    tone: 'pass',
    text: `Socket ${socketId} disconnected by ${result.acked.join(', ')} (ack in ${took}).`,
  };
}
