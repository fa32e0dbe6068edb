import type { InferResponseType } from 'hono/client';
import { describeFailure, runConfirmedAction, showResult } from './action-result.ts';
import { type AdminApi, pathParam } from './api.ts';
import { byId, h, replaceChildren } from './dom.ts';
import { formatAge, formatBytes, formatClock, formatCount } from './format.ts';
import type { CommandResult } from './schemas.ts';

type DetailAnswer = InferResponseType<AdminApi['client']['admin']['sockets'][':id']['$get'], 200>;
type Detail = NonNullable<DetailAnswer['socket']>;

/**
 * One socket's detail, asked of its node when a connection row is opened (nothing per socket is
 * stored for it), with the actions on that socket and its user. Every action is confirmed first.
 */
export class SocketDetailDialog {
  private readonly dialog = byId<HTMLDialogElement>('socket-dialog');
  private readonly content = byId('socket-detail');
  private readonly output = byId('socket-result');
  private socketId: string | null = null;

  constructor(
    private readonly api: AdminApi,
    private readonly onCommand: () => void,
  ) {
    byId('socket-close').addEventListener('click', () => this.dialog.close());
    byId<HTMLFormElement>('socket-join-form').addEventListener('submit', (event) => {
      event.preventDefault();
      const room = byId<HTMLInputElement>('socket-join-room').value.trim();
      if (room) void this.join(room);
    });
    byId<HTMLFormElement>('socket-emit-form').addEventListener('submit', (event) => {
      event.preventDefault();
      void this.emit();
    });
    byId('socket-disconnect').addEventListener('click', () => void this.disconnect());
    byId('user-disconnect').addEventListener('click', () => void this.disconnectUser());
  }

  async open(socketId: string): Promise<void> {
    this.socketId = socketId;
    this.output.hidden = true;
    replaceChildren(this.content, h('p', { class: 'muted' }, `Asking the node that holds ${socketId}…`));
    if (!this.dialog.open) this.dialog.showModal();
    await this.load();
  }

  private async load(): Promise<void> {
    const socketId = this.socketId;
    if (!socketId) return;
    try {
      const answer = await this.api.read(
        this.api.client.admin.sockets[':id'].$get({ param: { id: pathParam(socketId) } }),
        `GET /admin/sockets/${socketId}`,
      );
      this.dialog.dataset.user = answer.socket?.userId ?? '';
      if (!answer.socket) {
        replaceChildren(
          this.content,
          h(
            'p',
            { class: 'form-error' },
            `Node ${answer.nodeId ?? '?'} did not answer in time${answer.error ? ` (${answer.error})` : ''}: no detail.`,
          ),
        );
        return;
      }
      this.render(answer.socket);
    } catch (error) {
      replaceChildren(this.content, h('p', { class: 'form-error' }, describeFailure(error).text));
    }
  }

  private render(detail: Detail): void {
    const now = Date.now();
    const row = (label: string, value: Node | string, key: string) =>
      h('div', { 'data-field': key }, h('dt', {}, label), h('dd', {}, value));
    const listed = (record: Record<string, unknown>) =>
      Object.keys(record).length === 0
        ? h('span', { class: 'muted' }, 'none')
        : Object.entries(record)
            .map(([key, value]) => `${key}: ${typeof value === 'string' ? value : JSON.stringify(value)}`)
            .join(', ');
    const rooms = h(
      'ul',
      { class: 'room-chips', 'data-field': 'rooms' },
      ...detail.rooms.map((room) => {
        const leave = h(
          'button',
          {
            type: 'button',
            class: 'btn btn-small',
            'data-requires': 'admin',
            'data-action': 'leave',
            title: `leave ${room}`,
          },
          'Leave',
        );
        leave.addEventListener('click', () => void this.leave(room));
        return h('li', { 'data-room': room }, h('span', { class: 'mono' }, room), ' ', leave);
      }),
    );
    replaceChildren(
      this.content,
      h(
        'dl',
        { class: 'detail-grid' },
        row('socket', detail.id, 'id'),
        row('node', detail.nodeId, 'node'),
        row('namespace', detail.namespace, 'namespace'),
        row('user', detail.userId ?? 'anonymous', 'user'),
        row('role', detail.role ?? '–', 'role'),
        row(
          'transport',
          detail.transports.map((t) => `${t.name} (${formatClock(t.at)})`).join(' → '),
          'transport',
        ),
        row('connected', formatAge(detail.connectedAt, now), 'connected'),
        row('last event', detail.lastEventAt ? formatAge(detail.lastEventAt, now) : 'none yet', 'last-event'),
        row('address', detail.remoteAddress ?? '–', 'address'),
        row('via', detail.peerAddress ?? '–', 'peer'),
        row('user agent', detail.userAgent ?? '–', 'user-agent'),
        row('origin', detail.origin ?? '–', 'origin'),
        row('query keys', detail.queryKeys.join(', ') || '–', 'query-keys'),
        row('data', listed(detail.data), 'data'),
        row('auth', listed(detail.auth), 'auth'),
        row(
          'events in / out',
          `${formatCount(detail.events.in)} / ${formatCount(detail.events.out)}`,
          'events',
        ),
        row('by type in', listed(detail.events.inByType), 'events-in'),
        row('by type out', listed(detail.events.outByType), 'events-out'),
        row('bytes in / out', `${formatBytes(detail.bytes.in)} / ${formatBytes(detail.bytes.out)}`, 'bytes'),
      ),
      h('h3', {}, `Rooms (${formatCount(detail.roomCount)})`),
      detail.rooms.length > 0 ? rooms : h('p', { class: 'muted', 'data-field': 'rooms' }, 'In no room.'),
    );
  }

  private async act(title: string, detail: string, done: string, call: () => Promise<CommandResult>) {
    if (!(await runConfirmedAction(this.output, { title, detail, done, call }))) return;
    this.onCommand();
    await this.load();
  }

  private get param() {
    return { id: pathParam(this.socketId ?? '') };
  }

  private join(room: string) {
    return this.act(
      `Join ${room}?`,
      `Socket ${this.socketId} joins room '${room}' on its node.`,
      `Joined ${room}`,
      () =>
        this.api.read(
          this.api.client.admin.sockets[':id'].join.$post({ param: this.param, json: { room } }),
          `POST /admin/sockets/${this.socketId}/join`,
        ),
    );
  }

  private leave(room: string) {
    return this.act(`Leave ${room}?`, `Socket ${this.socketId} leaves room '${room}'.`, `Left ${room}`, () =>
      this.api.read(
        this.api.client.admin.sockets[':id'].leave.$post({ param: this.param, json: { room } }),
        `POST /admin/sockets/${this.socketId}/leave`,
      ),
    );
  }

  private async emit(): Promise<void> {
    const event = byId<HTMLInputElement>('socket-emit-event').value.trim();
    const text = byId<HTMLTextAreaElement>('socket-emit-data').value.trim();
    let data: unknown;
    try {
      data = text ? JSON.parse(text) : undefined;
    } catch {
      showResult(this.output, { tone: 'fail', text: 'The data is not JSON.' });
      return;
    }
    if (!event) return;
    await this.act(
      `Emit '${event}'?`,
      `Socket ${this.socketId} receives '${event}'${text ? ` with ${text}` : ' without data'}.`,
      `Emitted ${event}`,
      () =>
        this.api.read(
          this.api.client.admin.sockets[':id'].emit.$post({
            param: this.param,
            json: data === undefined ? { event } : { event, data },
          }),
          `POST /admin/sockets/${this.socketId}/emit`,
        ),
    );
  }

  private disconnect() {
    const socketId = this.socketId ?? '';
    return this.act(
      'Disconnect this socket?',
      `Socket ${socketId} is disconnected by its node.`,
      'Disconnected',
      () =>
        this.api.read(
          this.api.client.admin.disconnect[':socketId'].$post({ param: { socketId: pathParam(socketId) } }),
          `POST /admin/disconnect/${socketId}`,
        ),
    );
  }

  private disconnectUser() {
    const userId = this.dialog.dataset.user;
    if (!userId) {
      showResult(this.output, { tone: 'info', text: 'This socket has no user id.' });
      return;
    }
    return this.act(
      `Disconnect user ${userId}?`,
      `Every socket of user '${userId}', on every node, is disconnected.`,
      `Disconnected user ${userId}`,
      () =>
        this.api.read(
          this.api.client.admin.users[':userId'].disconnect.$post({ param: { userId: pathParam(userId) } }),
          `POST /admin/users/${userId}/disconnect`,
        ),
    );
  }
}
