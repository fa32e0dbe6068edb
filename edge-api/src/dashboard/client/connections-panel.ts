import { type AdminApi, ApiError, pathParam } from './api.ts';
import { badge, byId, fillTable, h, replaceChildren, setText } from './dom.ts';
import { formatAge, formatCount, formatMs } from './format.ts';
import { CursorPager } from './pager.ts';
import type { CommandResult, ConnectionsPage, SocketRow } from './schemas.ts';

const PAGE_SIZE = 25;
/** How long a command's answer stays above the table. */
export const RESULT_SHOWN_MS = 8000;
const RESULT_BADGE = { pass: 'ack', warn: 'partial', fail: 'error', info: 'done' } as const;

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
  /** Rows by socket id: a live update changes their cells in place, never rebuilds them under the cursor. */
  private readonly rows = new Map<string, HTMLTableRowElement>();
  private clearTimer: ReturnType<typeof setTimeout> | null = null;

  constructor(
    private readonly api: AdminApi,
    private readonly onCommand: () => void,
    private readonly onError: (message: string) => void,
    private readonly hideForMs: () => number,
    private readonly openDetail: (socketId: string) => void = () => {},
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
    const cursor = this.pager.cursor;
    const query = {
      limit: String(PAGE_SIZE),
      ...(this.query ? { [FILTER_PARAM[this.field]]: this.query } : {}),
      ...(cursor ? { cursor } : {}),
    };
    try {
      this.render(
        await this.api.read(this.api.client.admin.connections.$get({ query }), 'GET /admin/connections'),
      );
    } catch (error) {
      this.onError(error instanceof Error ? error.message : String(error));
    } finally {
      this.inFlight = false;
    }
  }

  private render(page: ConnectionsPage): void {
    const now = Date.now();
    for (const [id, until] of this.gone) if (until < now) this.gone.delete(id);
    const shown = page.items.filter((socket) => !this.gone.has(socket.id));
    const rows = shown.map((socket) => {
      const existing = this.rows.get(socket.id);
      if (!existing) return this.row(socket, now);
      updateCells(existing, cellsOf(socket, now));
      return existing;
    });
    const keep = new Set(shown.map((socket) => socket.id));
    for (const id of this.rows.keys()) if (!keep.has(id)) this.rows.delete(id);
    if (rows.length === 0) {
      fillTable(this.body, 9, rows, this.query ? 'No connection matches that search.' : 'No connections.');
    } else if (!sameOrder(this.body, rows)) {
      // Pages come in the store's stable order (by socket id); rows move only when that changes.
      fillTable(this.body, 9, rows, '');
    }
    this.pager.render(this.pagerControls, `page ${this.pager.page} · ${rows.length} shown`, page.nextCursor);
  }

  private row(socket: SocketRow, now: number): HTMLTableRowElement {
    const button = h(
      'button',
      {
        type: 'button',
        class: 'btn btn-danger btn-small',
        'data-action': 'disconnect',
        'data-requires': 'admin',
      },
      'Disconnect',
    );
    const classes = ['mono', 'mono', 'mono', '', 'mono', 'num', 'num', 'num'];
    const row = h(
      'tr',
      { 'data-socket': socket.id, class: 'openable', tabindex: 0, title: 'Open this socket' },
      ...classes.map((cls) => h('td', cls ? { class: cls } : {})),
      h('td', { class: 'actions' }, button),
    );
    updateCells(row, cellsOf(socket, now));
    button.addEventListener('click', () => void this.disconnect(socket, row, button));
    row.addEventListener('click', (event) => {
      if (!(event.target as Element).closest('button')) this.openDetail(socket.id);
    });
    row.addEventListener('keydown', (event) => {
      if (event.key === 'Enter' && event.target === row) this.openDetail(socket.id);
    });
    this.rows.set(socket.id, row);
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
      const result = await this.api.read(
        this.api.client.admin.disconnect[':socketId'].$post({ param: { socketId: pathParam(socket.id) } }),
        `POST /admin/disconnect/${socket.id}`,
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
      if (error instanceof ApiError && error.status === 404) {
        // No node holds it any more: what the operator wanted has happened already.
        this.show({ tone: 'info', text: `Socket ${socket.id} was already gone: no node holds it.` });
        this.gone.set(socket.id, Date.now() + this.hideForMs());
        row.remove();
      } else {
        this.show({ tone: 'fail', text: error instanceof Error ? error.message : String(error) });
        button.disabled = false;
        button.textContent = 'Disconnect';
      }
    }
    this.onCommand();
  }

  private show(message: { tone: 'pass' | 'warn' | 'fail' | 'info'; text: string }): void {
    this.result.hidden = false;
    this.result.dataset.tone = message.tone;
    replaceChildren(this.result, badge(RESULT_BADGE[message.tone], message.tone), ' ', message.text);
    // The answer is read in seconds; a banner that stays reads as the state of things now.
    if (this.clearTimer) clearTimeout(this.clearTimer);
    this.clearTimer = setTimeout(() => {
      this.result.hidden = true;
    }, RESULT_SHOWN_MS);
  }
}

interface Cell {
  text: string;
  title?: string;
  muted?: boolean;
}

function cellsOf(socket: SocketRow, now: number): Cell[] {
  return [
    { text: socket.id },
    socket.userId ? { text: socket.userId } : { text: 'anonymous', muted: true },
    { text: socket.namespace },
    { text: socket.transport },
    { text: socket.nodeId },
    { text: formatCount(socket.rooms), title: socket.roomNames.join(', ') },
    { text: formatAge(socket.connectedAt, now) },
    { text: formatAge(socket.lastEventAt, now) },
  ];
}

/** Writes only what changed, so a row under the cursor keeps its nodes (and its hover, focus, selection). */
function updateCells(row: HTMLTableRowElement, cells: Cell[]): void {
  cells.forEach((cell, i) => {
    const td = row.cells[i];
    if (!td) return;
    setText(td, cell.text);
    td.classList.toggle('muted', cell.muted === true);
    if (cell.title !== undefined && td.title !== cell.title) td.title = cell.title;
  });
}

function sameOrder(body: HTMLTableSectionElement, rows: HTMLTableRowElement[]): boolean {
  if (body.rows.length !== rows.length) return false;
  return rows.every((row, i) => body.rows[i] === row);
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
