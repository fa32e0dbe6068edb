import { RoomQuery } from '../../aggregator/room-table.ts';
import type { AdminApi } from './api.ts';
import { byId, fillTable, h, replaceChildren } from './dom.ts';
import { formatCount } from './format.ts';
import { CursorPager } from './pager.ts';
import type { RoomsPage } from './schemas.ts';

const PAGE_SIZE = 10;

/**
 * The `prefix` a chip for `prefix` asks /admin/rooms for, or null when the API would refuse it:
 * checked with the API's own query schema, so the two cannot drift apart.
 */
export function chipFilter(prefix: string): string | null {
  const filter = `${prefix}:`;
  return RoomQuery.safeParse({ prefix: filter, limit: PAGE_SIZE }).success ? filter : null;
}

/** Rooms, largest first, filterable by prefix, paged with the API's keyset cursors. */
export class RoomsPanel {
  private prefix = '';
  private readonly pager = new CursorPager(() => void this.refresh());
  private readonly body = byId('rooms-table').querySelector('tbody')!;
  private readonly pagerControls = byId('rooms-pager');
  private readonly chips = byId('room-prefixes');
  private prefixSignature = '';

  constructor(
    private readonly api: AdminApi,
    private readonly onError: (message: string) => void,
  ) {}

  /** Prefix chips follow the cluster's prefixes; the page itself refreshes on each update. */
  showPrefixes(byPrefix: Record<string, number>): void {
    const prefixes = Object.keys(byPrefix).sort();
    const signature = prefixes.join('|');
    if (signature === this.prefixSignature) return;
    this.prefixSignature = signature;
    const chip = (value: string, label: string) => {
      const button = h(
        'button',
        { type: 'button', class: 'chip', 'aria-pressed': String(this.prefix === value) },
        label,
      );
      button.addEventListener('click', () => {
        this.prefix = value;
        this.pager.reset();
        for (const other of this.chips.querySelectorAll('button'))
          other.setAttribute('aria-pressed', 'false');
        button.setAttribute('aria-pressed', 'true');
        void this.refresh();
      });
      return button;
    };
    const chips = prefixes.map((prefix) => {
      const filter = chipFilter(prefix);
      if (filter) return chip(filter, filter);
      return h(
        'span',
        { class: 'chip', 'aria-disabled': 'true', title: `${prefix}: is too long to filter by` },
        `${prefix.slice(0, 24)}…`,
      );
    });
    replaceChildren(this.chips, chip('', 'all'), ...chips);
  }

  async refresh(): Promise<void> {
    const cursor = this.pager.cursor;
    const query = {
      limit: String(PAGE_SIZE),
      ...(this.prefix ? { prefix: this.prefix } : {}),
      ...(cursor ? { cursor } : {}),
    };
    try {
      this.render(await this.api.read(this.api.client.admin.rooms.$get({ query }), 'GET /admin/rooms'));
    } catch (error) {
      this.onError(error instanceof Error ? error.message : String(error));
    }
  }

  private render(page: RoomsPage): void {
    const rows = page.items.map((room) =>
      h('tr', {}, h('td', { class: 'mono' }, room.name), h('td', { class: 'num' }, formatCount(room.size))),
    );
    fillTable(this.body, 2, rows, this.prefix ? `No room starts with ${this.prefix}` : 'No rooms.');
    const note = `${formatCount(page.total)} rooms · page ${this.pager.page}`;
    this.pager.render(this.pagerControls, note, page.nextCursor);
  }
}
