import {
  type AdminActionAuditEntry,
  type AdminActionKind,
  AUDIT_MAX_LEN,
  AUDIT_SUBJECT_MAX_LENGTH,
  AUDIT_SUMMARY_MAX_LENGTH,
} from '@telltale/shared';
import type { Context } from 'hono';
import type { EdgeEnv, EdgeServices } from '../context.ts';

export interface AdminAction {
  action: AdminActionKind;
  subject: string;
  summary: string;
  outcome?: AdminActionAuditEntry['outcome'];
}

const clip = (text: string, max: number) => (text.length <= max ? text : `${text.slice(0, max - 1)}…`);

/**
 * Writes an admin action that is not a command to the audit trail (`GET /admin/commands`), with
 * the principal that did it. Awaited, so the entry is readable when the answer arrives (these
 * actions are rare); a failed write is logged, never turned into a failed answer for a done change.
 */
export async function recordAdminAction(
  c: Context<EdgeEnv>,
  s: EdgeServices,
  done: AdminAction,
): Promise<void> {
  const { actor, role } = c.get('principal');
  const entry: AdminActionAuditEntry = {
    kind: 'action',
    id: crypto.randomUUID(),
    at: s.now(),
    actor,
    role: role === 'viewer' ? 'viewer' : 'admin',
    action: done.action,
    subject: clip(done.subject, AUDIT_SUBJECT_MAX_LENGTH),
    summary: clip(done.summary, AUDIT_SUMMARY_MAX_LENGTH),
    outcome: done.outcome ?? 'applied',
  };
  try {
    await s.store.appendAudit(entry, AUDIT_MAX_LEN);
  } catch (error) {
    console.error(
      `[edge] writing ${entry.action} of '${entry.subject}' by '${actor}' to the audit trail failed:`,
      error,
    );
  }
}
