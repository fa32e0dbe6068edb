import { z } from 'zod';

export const WEEK_MS = 7 * 24 * 60 * 60_000;
/** At most this many windows are stored; creating one more is a 409. */
export const MAX_WINDOWS = 50;
export const MAX_WINDOW_DURATION_MS = 7 * 24 * 60 * 60_000;

const Message = z
  .string()
  .trim()
  .min(1, 'message must not be empty')
  .max(500, 'message is at most 500 characters');

/** What an admin sends to schedule a window. */
export const MaintenanceWindowInput = z.object({
  /** ISO 8601 date-time or epoch ms. */
  startsAt: z.union([
    z.number().int().nonnegative(),
    z.iso.datetime({
      offset: true,
      message: 'startsAt must be an ISO 8601 date-time (2026-12-02T06:00:00Z) or epoch ms',
    }),
  ]),
  durationMinutes: z
    .number({ error: 'durationMinutes must be a number' })
    .int('durationMinutes must be a whole number')
    .min(1, 'durationMinutes must be at least 1')
    .max(MAX_WINDOW_DURATION_MS / 60_000, 'durationMinutes must be at most 10080 (7 days)'),
  recurrence: z.enum(['none', 'weekly']).default('none'),
  message: Message,
  /** Opt-in: the nodes' maintenance mode goes on at each start and off at each end (the maintenance command). */
  switchNodes: z.boolean().default(false),
});
export type MaintenanceWindowInput = z.infer<typeof MaintenanceWindowInput>;

export const MaintenanceWindow = z.object({
  id: z.string().max(64),
  startsAt: z.number().int(),
  durationMs: z.number().int().positive(),
  recurrence: z.enum(['none', 'weekly']),
  message: z.string().max(500),
  switchNodes: z.boolean().default(false),
  createdAt: z.number().int(),
  createdBy: z.string().max(200),
});
export type MaintenanceWindow = z.infer<typeof MaintenanceWindow>;

export interface Occurrence {
  windowId: string;
  startsAt: number;
  endsAt: number;
  message: string;
}

export function windowFromInput(
  input: MaintenanceWindowInput,
  id: string,
  actor: string,
  now: number,
): MaintenanceWindow {
  return {
    id,
    startsAt: typeof input.startsAt === 'number' ? input.startsAt : Date.parse(input.startsAt),
    durationMs: input.durationMinutes * 60_000,
    recurrence: input.recurrence,
    message: input.message,
    switchNodes: input.switchNodes,
    createdAt: now,
    createdBy: actor.slice(0, 200),
  };
}

/** The occurrence of `window` in progress at `now` or the next one; null when none is left. */
export function currentOrNext(window: MaintenanceWindow, now: number): Occurrence | null {
  let startsAt = window.startsAt;
  if (window.recurrence === 'weekly' && now >= startsAt + window.durationMs) {
    startsAt += Math.floor((now - window.startsAt) / WEEK_MS) * WEEK_MS;
    if (now >= startsAt + window.durationMs) startsAt += WEEK_MS;
  }
  const endsAt = startsAt + window.durationMs;
  if (now >= endsAt) return null;
  return { windowId: window.id, startsAt, endsAt, message: window.message };
}

/** The window in progress at `now`, if any (the one ending last when several overlap). */
export function activeOccurrence(windows: readonly MaintenanceWindow[], now: number): Occurrence | null {
  let active: Occurrence | null = null;
  for (const w of windows) {
    const o = currentOrNext(w, now);
    if (o && o.startsAt <= now && (!active || o.endsAt > active.endsAt)) active = o;
  }
  return active;
}

/** Occurrences in progress or starting within `horizonMs`, soonest first. */
export function upcomingOccurrences(
  windows: readonly MaintenanceWindow[],
  now: number,
  horizonMs: number,
): Occurrence[] {
  return windows
    .map((w) => currentOrNext(w, now))
    .filter((o): o is Occurrence => o !== null && o.startsAt <= now + horizonMs)
    .sort((a, b) => a.startsAt - b.startsAt);
}

/** A one-off window that ended can go; a weekly one stays until it is deleted. */
export function isOver(window: MaintenanceWindow, now: number): boolean {
  return currentOrNext(window, now) === null;
}
