import { runConfirmedAction, showResult } from './action-result.ts';
import { type AdminApi, pathParam } from './api.ts';
import { byId } from './dom.ts';
import type { CommandResult } from './schemas.ts';

const value = (id: string) => byId<HTMLInputElement>(id).value.trim();

/**
 * Cluster-wide actions: broadcast, maintenance on/off, rate limits, disconnect a user. Each is
 * confirmed, then shows the nodes' acks (or who did not answer).
 */
export class OperatorActions {
  private readonly output = byId('actions-result');

  constructor(
    private readonly api: AdminApi,
    private readonly onCommand: () => void,
  ) {
    this.form('broadcast-form', () => this.broadcast());
    this.form('maintenance-form', () => this.maintenance());
    this.form('rate-limits-form', () => this.rateLimits());
    this.form('user-disconnect-form', () => this.disconnectUser());
  }

  private form(id: string, run: () => Promise<void>): void {
    byId<HTMLFormElement>(id).addEventListener('submit', (event) => {
      event.preventDefault();
      void run();
    });
  }

  private async act(title: string, detail: string, done: string, call: () => Promise<CommandResult>) {
    if (!(await runConfirmedAction(this.output, { title, detail, done, call }))) return;
    this.onCommand();
  }

  private async broadcast(): Promise<void> {
    const namespace = value('broadcast-namespace');
    const room = value('broadcast-room');
    const event = value('broadcast-event');
    const text = value('broadcast-data');
    let data: unknown;
    try {
      data = text ? JSON.parse(text) : undefined;
    } catch {
      showResult(this.output, { tone: 'fail', text: 'The data is not JSON.' });
      return;
    }
    const json = { namespace, event, ...(room ? { room } : {}), ...(data === undefined ? {} : { data }) };
    await this.act(
      `Broadcast '${event}'?`,
      `Every socket of ${namespace}${room ? ` in room '${room}'` : ''}, on every node, receives '${event}'.`,
      `Broadcast ${event}`,
      () => this.api.read(this.api.client.admin.broadcast.$post({ json }), 'POST /admin/broadcast'),
    );
  }

  private async maintenance(): Promise<void> {
    const enabled = byId<HTMLSelectElement>('maintenance-mode').value === 'on';
    const message = value('maintenance-message');
    await this.act(
      enabled ? 'Turn maintenance on?' : 'Turn maintenance off?',
      enabled
        ? `Every node refuses new connections${message ? ` with '${message}'` : ''}; connected sockets stay.`
        : 'Every node accepts new connections again.',
      enabled ? 'Maintenance on' : 'Maintenance off',
      () =>
        this.api.read(
          this.api.client.admin.maintenance.$post({ json: { enabled, ...(message ? { message } : {}) } }),
          'POST /admin/maintenance',
        ),
    );
  }

  private async rateLimits(): Promise<void> {
    const limit = (prefix: string) => {
      const count = Number(value(`${prefix}-limit`));
      const windowMs = Number(value(`${prefix}-window`));
      return count > 0 && windowMs > 0 ? { limit: count, windowMs } : null;
    };
    const json = { perSocket: limit('rate-socket'), perUser: limit('rate-user') };
    const said = (l: { limit: number; windowMs: number } | null) =>
      l ? `${l.limit} per ${l.windowMs} ms` : 'none';
    await this.act(
      'Set rate limits?',
      `Every node limits events to ${said(json.perSocket)} per socket and ${said(json.perUser)} per user.`,
      'Rate limits set',
      () => this.api.read(this.api.client.admin['rate-limits'].$put({ json }), 'PUT /admin/rate-limits'),
    );
  }

  private async disconnectUser(): Promise<void> {
    const userId = value('user-disconnect-id');
    if (!userId) return;
    await this.act(
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
