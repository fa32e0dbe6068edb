import { z } from 'zod';
import { ACTOR_MAX_LENGTH, Command } from './command.ts';

/** A dispatched command in the audit trail: what was sent, by whom, and what the nodes answered. */
export const CommandAuditEntry = z.object({
  id: z.string(),
  at: z.number().int(),
  actor: z.string(),
  command: Command,
  target: z.string(),
  result: z.object({
    targeted: z.number().int(),
    acked: z.number().int(),
    missing: z.array(z.string()),
    affected: z.number().int(),
    complete: z.boolean(),
  }),
});
export type CommandAuditEntry = z.infer<typeof CommandAuditEntry>;

/** Admin changes that are not commands: they act on the edge's own state (alerts, status page). */
export const AdminActionKind = z.enum([
  'silence-create',
  'silence-expire',
  'incident-create',
  'incident-update',
  'maintenance-window-create',
  'maintenance-window-delete',
  'alert-rules-replace',
  'alert-rule-put',
]);
export type AdminActionKind = z.infer<typeof AdminActionKind>;

export const AUDIT_SUBJECT_MAX_LENGTH = 100;
export const AUDIT_SUMMARY_MAX_LENGTH = 300;

/**
 * An admin action in the audit trail. `kind: 'action'` tells it from a command entry (which has
 * `command` and no `kind`); `outcome` is `refused` when the edge answered 4xx after authentication.
 */
export const AdminActionAuditEntry = z.object({
  kind: z.literal('action'),
  id: z.string().min(1).max(100),
  at: z.number().int(),
  actor: z.string().min(1).max(ACTOR_MAX_LENGTH),
  role: z.enum(['admin', 'viewer']),
  action: AdminActionKind,
  /** The id acted on: a silence, incident, window or rule id, or `*` for every rule. */
  subject: z.string().max(AUDIT_SUBJECT_MAX_LENGTH),
  /** What changed, in one short line. */
  summary: z.string().max(AUDIT_SUMMARY_MAX_LENGTH),
  outcome: z.enum(['applied', 'refused']),
});
export type AdminActionAuditEntry = z.infer<typeof AdminActionAuditEntry>;

export const AuditEntry = z.union([CommandAuditEntry, AdminActionAuditEntry]);
export type AuditEntry = z.infer<typeof AuditEntry>;

export const isAdminActionEntry = (entry: AuditEntry): entry is AdminActionAuditEntry =>
  'kind' in entry && entry.kind === 'action';
