import type { AdminActionAuditEntry, Command, CommandAuditEntry } from '@telltale/shared';
import type { AdminApi } from './api.ts';
import { badge, byId, fillTable, h } from './dom.ts';
import { formatDateTime } from './format.ts';

/** The audit trail, newest first: dispatched commands and the admin actions that are not commands. */
export class AuditPanel {
  private readonly body = byId('audit-table').querySelector('tbody')!;

  constructor(
    private readonly api: AdminApi,
    private readonly onError: (message: string) => void,
  ) {}

  async refresh(): Promise<void> {
    try {
      const page = await this.api.read(
        this.api.client.admin.commands.$get({ query: { limit: '20' } }),
        'GET /admin/commands',
      );
      const rows = page.items.map((entry) => ('kind' in entry ? actionRow(entry) : commandRow(entry)));
      fillTable(this.body, 5, rows, 'No admin command or action yet.');
    } catch (error) {
      this.onError(error instanceof Error ? error.message : String(error));
    }
  }
}

function commandRow(entry: CommandAuditEntry): HTMLTableRowElement {
  const { result } = entry;
  const tone = !result.complete ? 'warn' : result.affected > 0 ? 'pass' : 'muted';
  const summary = `${result.acked}/${result.targeted} acked · ${result.affected} affected`;
  return h(
    'tr',
    { 'data-command': entry.id },
    h('td', { class: 'num nowrap' }, formatDateTime(entry.at)),
    h('td', { class: 'mono' }, entry.actor),
    h('td', { class: 'mono' }, describeCommand(entry.command)),
    h('td', { class: 'mono' }, entry.target),
    h(
      'td',
      {},
      badge(result.complete ? 'complete' : `missing ${result.missing.join(', ')}`, tone),
      ' ',
      summary,
    ),
  );
}

function actionRow(entry: AdminActionAuditEntry): HTMLTableRowElement {
  return h(
    'tr',
    { 'data-action': entry.action, 'data-audit': entry.id },
    h('td', { class: 'num nowrap' }, formatDateTime(entry.at)),
    h('td', { class: 'mono' }, `${entry.actor} (${entry.role})`),
    h('td', { class: 'mono' }, entry.action),
    h('td', { class: 'mono' }, entry.subject),
    h('td', {}, badge(entry.outcome, entry.outcome === 'applied' ? 'pass' : 'warn'), ' ', entry.summary),
  );
}

export function describeCommand(command: Command): string {
  switch (command.type) {
    case 'disconnect-socket':
      return `disconnect socket ${command.socketId}`;
    case 'disconnect-user':
      return `disconnect user ${command.userId}`;
    case 'broadcast':
      return `broadcast ${command.event} to ${command.namespace}${command.room ? ` ${command.room}` : ''}`;
    case 'maintenance':
      return `maintenance ${command.enabled ? 'on' : 'off'}`;
    case 'rate-limit':
      return 'set rate limits';
    case 'disconnect-all':
      return 'disconnect all';
    case 'tap-start':
      return `tap ${command.tap.filter.event ?? 'every event'} for ${Math.round((command.tap.endsAt - command.tap.startedAt) / 1000)} s`;
    case 'tap-stop':
      return `stop tap ${command.tapId}`;
    case 'socket-detail':
      return `read socket ${command.socketId}`;
    case 'socket-join':
      return `socket ${command.socketId} joins ${command.room}`;
    case 'socket-leave':
      return `socket ${command.socketId} leaves ${command.room}`;
    case 'user-join':
      return `user ${command.userId} joins ${command.room}`;
    case 'user-leave':
      return `user ${command.userId} leaves ${command.room}`;
    case 'socket-emit':
      return `emit ${command.event} to socket ${command.socketId}`;
  }
}
