import type { z } from 'zod';
import { AlertRule, AlertState } from '../schema/alert.ts';
import { AuditEntry } from '../schema/audit.ts';
import { CommandAck } from '../schema/command.ts';
import { SocketRecord } from '../schema/snapshot.ts';

/** Stored JSON back into a typed value; a corrupt row becomes null so one bad row never sinks a read. */
function decode<T extends z.ZodType>(schema: T, raw: string): z.infer<T> | null {
  try {
    const parsed = schema.safeParse(JSON.parse(raw));
    return parsed.success ? parsed.data : null;
  } catch {
    return null;
  }
}

function decodeAll<T extends z.ZodType>(schema: T, raws: Iterable<string>): z.infer<T>[] {
  const out: z.infer<T>[] = [];
  for (const raw of raws) {
    const value = decode(schema, raw);
    if (value !== null) out.push(value);
  }
  return out;
}

export const decodeSocket = (raw: string): SocketRecord | null => decode(SocketRecord, raw);
export const decodeAcks = (raws: Iterable<string>): CommandAck[] => decodeAll(CommandAck, raws);
export const decodeAuditEntry = (raw: string): AuditEntry | null => decode(AuditEntry, raw);

/** Alert rules are configured by a person: a corrupt stored value is an error they must see. */
export function decodeAlertRules(raw: string | null): AlertRule[] | null {
  if (raw === null) return null;
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch {
    throw new Error('stored alert rules are not valid JSON; write them again');
  }
  const parsed = AlertRule.array().safeParse(json);
  if (!parsed.success) throw new Error(`stored alert rules are invalid: ${parsed.error.message}`);
  return parsed.data;
}

/** Alert state is derived by the aggregator: a corrupt value is recomputed from scratch. */
export function decodeAlertState(raw: string | null): Record<string, AlertState> {
  if (raw === null) return {};
  const parsed = decode(AlertState.array(), raw);
  if (parsed === null) return {};
  return Object.fromEntries(parsed.map((state) => [state.ruleId, state]));
}

export function encodeAlertState(state: Record<string, AlertState>): string {
  return JSON.stringify(Object.values(state));
}

export function requirePositiveTtl(ttlMs: number, what: string): number {
  if (!Number.isFinite(ttlMs) || ttlMs < 1)
    throw new Error(`${what} TTL must be a positive number of ms, got ${ttlMs}`);
  return Math.ceil(ttlMs);
}

/** The node set outlives every node in it so lost nodes stay visible; it vanishes with a forgotten cluster. */
export const NODE_SET_TTL_MS = 24 * 60 * 60 * 1000;

/** A bound store publishes only its own cluster's commands: the envelope names the cluster nodes check. */
export function requireOwnCluster(envelope: { id: string; cluster: string }, cluster: string): void {
  if (envelope.cluster !== cluster)
    throw new Error(
      `command ${envelope.id} is for cluster '${envelope.cluster}', but this store is bound to '${cluster}'`,
    );
}
