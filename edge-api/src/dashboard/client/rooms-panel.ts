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

/** Rooms, largest first, filterable by namespace and prefix, paged with the API's keyset cursors; a row opens its members. */
export class RoomsPanel {
  private prefix = '';
  private namespace = '';
  private namespaceSignature = '';
  private readonly namespaces = byId<HTMLSelectElement>('rooms-namespace');
  private readonly members = byId('room-members');
  private readonly membersPager = new CursorPager(() => void this.refreshMembers());
  private opened: { namespace: string; name: string } | null = null;
  private readonly pager = new CursorPager(() => void this.refresh());
  private readonly body = byId('rooms-table').querySelector('tbody')!;
  private readonly pagerControls = byId('rooms-pager');
  private readonly chips = byId('room-prefixes');
  private prefixSignature = '';

  constructor(
    private readonly api: AdminApi,
    private readonly onError: (message: string) => void,
    private readonly openSocket: (socketId: string) => void = () => {},
  ) {
    this.namespaces.addEventListener('change', () => {
      this.namespace = this.namespaces.value;
      this.pager.reset();
      void this.refresh();
    });
    byId<HTMLFormElement>('rooms-search').addEventListener('submit', (event) => {
      event.preventDefault();
      this.prefix = byId<HTMLInputElement>('rooms-prefix').value.trim();
      for (const other of this.chips.querySelectorAll('button'))
        other.setAttribute('aria-pressed', String(other.textContent === (this.prefix || 'all')));
      this.pager.reset();
      void this.refresh();
    });
  }

  /** The namespace filter follows the cluster's namespaces. */
  showNamespaces(byNamespace: Record<string, number>): void {
    const names = Object.keys(byNamespace).sort();
    const signature = names.join('|');
    if (signature === this.namespaceSignature) return;
    this.namespaceSignature = signature;
    replaceChildren(
      this.namespaces,
      h('option', { value: '' }, 'all namespaces'),
      ...names.map((name) => h('option', { value: name, selected: name === this.namespace }, name)),
    );
  }

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
      ...(this.namespace ? { namespace: this.namespace } : {}),
      ...(cursor ? { cursor } : {}),
    };
    try {
      this.render(await this.api.read(this.api.client.admin.rooms.$get({ query }), 'GET /admin/rooms'));
      if (this.opened) await this.refreshMembers();
    } catch (error) {
      this.onError(error instanceof Error ? error.message : String(error));
    }
  }

  private render(page: RoomsPage): void {
    const rows = page.items.map((room) => {
      const row = h(
        'tr',
        {
          class: 'openable',
          tabindex: 0,
          'data-room': room.name,
          'data-namespace': room.namespace,
          title: 'Show its members',
        },
        h('td', { class: 'mono' }, room.namespace),
        h('td', { class: 'mono' }, room.name),
        h('td', { class: 'num' }, formatCount(room.size)),
      );
      const open = () => {
        this.opened = { namespace: room.namespace, name: room.name };
        this.membersPager.reset();
        void this.refreshMembers();
      };
      row.addEventListener('click', open);
      row.addEventListener('keydown', (event) => {
        if (event.key === 'Enter') open();
      });
      return row;
    });
    fillTable(this.body, 3, rows, this.prefix ? `No room starts with ${this.prefix}` : 'No rooms.');
    const note = `${formatCount(page.total)} rooms · page ${this.pager.page}`;
    this.pager.render(this.pagerControls, note, page.nextCursor);
  }

  private async refreshMembers(): Promise<void> {
    const room = this.opened;
    if (!room) return;
    const cursor = this.membersPager.cursor;
    const query = {
      namespace: room.namespace,
      room: room.name,
      limit: String(PAGE_SIZE),
      ...(cursor ? { cursor } : {}),
    };
    try {
      const page = await this.api.read(
        this.api.client.admin.rooms.members.$get({ query }),
        'GET /admin/rooms/members',
      );
      this.members.hidden = false;
      const list = h(
        'ul',
        { class: 'member-list' },
        ...page.items.map((socket) => {
          const open = h(
            'button',
            { type: 'button', class: 'btn btn-small mono', 'data-socket': socket.id },
            socket.id,
          );
          open.addEventListener('click', () => this.openSocket(socket.id));
          return h(
            'li',
            {},
            open,
            ' ',
            socket.userId ?? 'anonymous',
            h('span', { class: 'muted' }, ` on ${socket.nodeId}`),
          );
        }),
      );
      const pager = h('div', { class: 'pager' });
      replaceChildren(
        this.members,
        h('h3', {}, `Members of ${room.name} in ${room.namespace}`),
        page.items.length > 0 ? list : h('p', { class: 'muted' }, 'No member any more.'),
        pager,
      );
      this.membersPager.render(pager, `page ${this.membersPager.page}`, page.nextCursor);
    } catch (error) {
      this.onError(error instanceof Error ? error.message : String(error));
    }
  }
}
