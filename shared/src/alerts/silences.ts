import { z } from 'zod';
import type { AlertEvent, AlertRule, AlertState, Severity } from '../schema/alert.ts';
import { isNotifiable } from './engine.ts';

const MINUTE = 60_000;
const DAY = 24 * 60 * MINUTE;

/** Every bound a silence has: client-chosen strings and counts stay small. */
export const SILENCE_LIMITS = {
  /** Pending and active silences at once. */
  open: 100,
  /** Silences kept in all, expired ones included (the oldest expired go first). */
  kept: 200,
  matchers: 10,
  labelName: 64,
  labelValue: 200,
  comment: 500,
  author: 200,
  minDurationMs: MINUTE,
  maxDurationMs: 30 * DAY,
  /** How far ahead a silence may be scheduled. */
  maxLeadMs: 30 * DAY,
  /** Expired silences stay listed this long, as a record of who muted what. */
  keepExpiredMs: 7 * DAY,
} as const;

/**
 * An Alertmanager equality matcher: `name="value"` (`isEqual`) or `name!="value"`. A label the
 * alert does not carry counts as the empty string, as in Alertmanager. No regex matchers: a
 * client-chosen pattern run on every tick is a cost we do not take.
 */
export const SilenceMatcher = z.strictObject({
  name: z
    .string()
    .max(SILENCE_LIMITS.labelName)
    .regex(/^[a-zA-Z_][a-zA-Z0-9_]*$/, 'must be a label name ([a-zA-Z_][a-zA-Z0-9_]*)'),
  value: z.string().max(SILENCE_LIMITS.labelValue),
  isEqual: z.boolean().default(true),
});
export type SilenceMatcher = z.infer<typeof SilenceMatcher>;

export const Silence = z.object({
  id: z.string().max(64),
  matchers: z.array(SilenceMatcher).min(1).max(SILENCE_LIMITS.matchers),
  startsAt: z.number().int(),
  /** Set to the moment of expiry when someone expires it early, as Alertmanager does. */
  endsAt: z.number().int(),
  createdBy: z.string().max(SILENCE_LIMITS.author),
  comment: z.string().max(SILENCE_LIMITS.comment),
  createdAt: z.number().int(),
  /** Who expired it before its end; null while it runs (or when it ran out on its own). */
  expiredBy: z.string().max(SILENCE_LIMITS.author).nullable(),
});
export type Silence = z.infer<typeof Silence>;

export const SilenceStatus = z.enum(['pending', 'active', 'expired']);
export type SilenceStatus = z.infer<typeof SilenceStatus>;

/** What an admin sends to create a silence: a rule id, matchers, or both (every one must match). */
export const SilenceRequest = z
  .strictObject({
    ruleId: z
      .string()
      .min(1)
      .max(100)
      .regex(/^[\w\-.]+$/, 'may only contain letters, digits, _ - and .')
      .optional(),
    matchers: z
      .array(SilenceMatcher)
      .max(SILENCE_LIMITS.matchers - 1)
      .optional(),
    /** When it starts (epoch ms); default now. */
    startsAt: z.number().int().nonnegative().optional(),
    durationMs: z
      .number()
      .int()
      .min(SILENCE_LIMITS.minDurationMs, 'must be at least 60000 (1 minute)')
      .max(SILENCE_LIMITS.maxDurationMs, 'must be at most 2592000000 (30 days)'),
    comment: z.string().trim().min(1, 'say why (a comment is required)').max(SILENCE_LIMITS.comment),
  })
  .refine((r) => r.ruleId !== undefined || (r.matchers?.length ?? 0) > 0, {
    error: 'give a ruleId or at least one matcher',
    path: ['matchers'],
  });
export type SilenceRequest = z.output<typeof SilenceRequest>;

/** A silence that cannot be created or expired as asked: the route answers 409 or 404 with the reason. */
export class SilenceRefused extends Error {
  constructor(
    readonly reason: 'too-many' | 'not-found' | 'already-expired' | 'starts-too-late',
    message: string,
  ) {
    super(message);
    this.name = 'SilenceRefused';
  }
}

/** The labels an alert on one rule carries in every notification (webhook and Alertmanager). */
export function alertLabels(ruleId: string, cluster: string, severity: Severity): Record<string, string> {
  return { alertname: ruleId, cluster, severity };
}

export function silenceStatus(silence: Silence, now: number): SilenceStatus {
  if (silence.endsAt <= now) return 'expired';
  return silence.startsAt > now ? 'pending' : 'active';
}

export function matchesLabels(silence: Silence, labels: Record<string, string>): boolean {
  return silence.matchers.every((m) => ((labels[m.name] ?? '') === m.value) === m.isEqual);
}

/** The active silence that mutes these labels (the one ending last), or null. */
export function silencedBy(
  silences: readonly Silence[],
  labels: Record<string, string>,
  now: number,
): Silence | null {
  let found: Silence | null = null;
  for (const s of silences) {
    if (silenceStatus(s, now) !== 'active' || !matchesLabels(s, labels)) continue;
    if (!found || s.endsAt > found.endsAt) found = s;
  }
  return found;
}

/** Adds a silence from a request; refuses past the open-silence bound; drops what retention lets go. */
export function addSilence(
  silences: readonly Silence[],
  request: SilenceRequest,
  author: string,
  id: string,
  now: number,
): { silences: Silence[]; silence: Silence } {
  const open = silences.filter((s) => silenceStatus(s, now) !== 'expired').length;
  if (open >= SILENCE_LIMITS.open) {
    throw new SilenceRefused(
      'too-many',
      `${open} silences are pending or active, the most there may be; expire one first`,
    );
  }
  const startsAt = Math.max(now, request.startsAt ?? now);
  if (startsAt - now > SILENCE_LIMITS.maxLeadMs) {
    throw new SilenceRefused('starts-too-late', 'startsAt is more than 30 days ahead');
  }
  const matchers = [
    ...(request.ruleId ? [{ name: 'alertname', value: request.ruleId, isEqual: true }] : []),
    ...(request.matchers ?? []),
  ];
  const silence: Silence = {
    id,
    matchers,
    startsAt,
    endsAt: startsAt + request.durationMs,
    createdBy: author.slice(0, SILENCE_LIMITS.author),
    comment: request.comment,
    createdAt: now,
    expiredBy: null,
  };
  return { silences: retained([...silences, silence], now), silence };
}

/** Ends a pending or active silence now. */
export function expireSilence(
  silences: readonly Silence[],
  id: string,
  author: string,
  now: number,
): { silences: Silence[]; silence: Silence } {
  const found = silences.find((s) => s.id === id);
  if (!found) throw new SilenceRefused('not-found', `no silence '${id}'`);
  if (silenceStatus(found, now) === 'expired') {
    throw new SilenceRefused('already-expired', `silence '${id}' already ended`);
  }
  const silence: Silence = {
    ...found,
    endsAt: now,
    startsAt: Math.min(found.startsAt, now),
    expiredBy: author.slice(0, SILENCE_LIMITS.author),
  };
  return {
    silences: retained(
      silences.map((s) => (s.id === id ? silence : s)),
      now,
    ),
    silence,
  };
}

/** Expired silences go after `keepExpiredMs`, and the oldest-ended first past `kept` in all. */
export function retained(silences: readonly Silence[], now: number): Silence[] {
  const kept = silences.filter((s) => now - s.endsAt < SILENCE_LIMITS.keepExpiredMs);
  const excess = kept.length - SILENCE_LIMITS.kept;
  if (excess <= 0) return kept;
  const dropped = new Set(
    kept
      .filter((s) => silenceStatus(s, now) === 'expired')
      .sort((a, b) => a.endsAt - b.endsAt)
      .slice(0, excess)
      .map((s) => s.id),
  );
  return kept.filter((s) => !dropped.has(s.id));
}

/** Stored silences as JSON; what does not parse is dropped rather than failing the tick. */
export function decodeSilences(raw: string | null): Silence[] {
  if (raw === null) return [];
  try {
    const parsed = z.array(z.unknown()).safeParse(JSON.parse(raw));
    if (!parsed.success) return [];
    return parsed.data.flatMap((item) => {
      const silence = Silence.safeParse(item);
      return silence.success ? [silence.data] : [];
    });
  } catch {
    return [];
  }
}

/**
 * Which state changes reach the notifiers, given who is silenced now. `announced` holds the rules
 * whose current firing was sent; it is updated in place.
 * - A firing of a silenced rule is held back; once no silence covers the rule and it still fires,
 *   the firing goes out then (with the time it really started).
 * - A resolution goes out only if its firing did: closing a page never pages anyone, and a
 *   firing nobody heard of needs no closing.
 */
export function audibleEvents(
  events: readonly AlertEvent[],
  state: Record<string, AlertState>,
  rules: readonly AlertRule[],
  isSilenced: (ruleId: string, severity: Severity) => boolean,
  announced: Set<string>,
  now: number,
): AlertEvent[] {
  const out: AlertEvent[] = [];
  const decided = new Set<string>();
  for (const event of events) {
    if (!isNotifiable(event)) continue;
    decided.add(event.ruleId);
    if (event.to === 'firing') {
      if (isSilenced(event.ruleId, event.severity)) {
        announced.delete(event.ruleId);
        continue;
      }
      announced.add(event.ruleId);
      out.push(event);
    } else if (announced.delete(event.ruleId)) {
      out.push(event);
    }
  }
  for (const s of Object.values(state)) {
    if (s.phase !== 'firing' || decided.has(s.ruleId) || announced.has(s.ruleId)) continue;
    const rule = rules.find((r) => r.id === s.ruleId);
    if (!rule || isSilenced(s.ruleId, s.severity)) continue;
    announced.add(s.ruleId);
    out.push(heldFiring(s, rule, now));
  }
  for (const ruleId of [...announced]) if (state[ruleId]?.phase !== 'firing') announced.delete(ruleId);
  return out;
}

/** The firing of an alert a silence held back, sent when the silence ends. */
function heldFiring(s: AlertState, rule: AlertRule, now: number): AlertEvent {
  return {
    ruleId: s.ruleId,
    from: 'firing',
    to: 'firing',
    severity: s.severity,
    value: s.value,
    threshold: rule.threshold,
    at: s.firedAt ?? now,
    description: rule.description,
    metric: rule.metric,
  };
}
