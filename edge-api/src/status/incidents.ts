import { z } from 'zod';

/** Incidents kept (newest by start); older ones are dropped on write. */
export const MAX_INCIDENTS = 100;
/** Timeline entries per incident; past this the oldest state/alert entries go, updates stay longest. */
export const MAX_TIMELINE = 40;
const TEXT_MAX = 500;

export const TimelineEntry = z.object({
  at: z.number().int(),
  kind: z.enum(['opened', 'state', 'alert', 'update', 'resolved']),
  /** The cluster state at that moment, for `opened` and `state` entries. */
  status: z.enum(['pass', 'warn', 'fail']).optional(),
  text: z.string().max(TEXT_MAX),
  /** Who wrote an update: 'system' for what the edge recorded itself. */
  author: z.string().max(200),
});
export type TimelineEntry = z.infer<typeof TimelineEntry>;

export const Incident = z.object({
  id: z.string().max(64),
  title: z.string().max(200),
  /** `auto`: opened by the edge when the cluster failed; `announcement`: posted by an admin. */
  origin: z.enum(['auto', 'announcement']),
  /** The worst cluster state seen while it was open (announcements: what the admin said). */
  impact: z.enum(['warn', 'fail', 'none']),
  startedAt: z.number().int(),
  resolvedAt: z.number().int().nullable(),
  timeline: z.array(TimelineEntry).max(MAX_TIMELINE),
});
export type Incident = z.infer<typeof Incident>;

const Title = z.string().trim().min(1, 'title must not be empty').max(200, 'title is at most 200 characters');
const Message = z
  .string()
  .trim()
  .min(1, 'message must not be empty')
  .max(TEXT_MAX, `message is at most ${TEXT_MAX} characters`);

/** POST /admin/incidents: an announcement (an incident the edge did not detect, or a notice). */
export const IncidentInput = z.object({
  title: Title,
  message: Message,
  impact: z.enum(['warn', 'fail', 'none']).default('none'),
});
export type IncidentInput = z.infer<typeof IncidentInput>;

/** POST /admin/incidents/:id/updates: a timeline entry, a new title, or the resolution. */
export const IncidentUpdateInput = z.object({
  message: Message,
  title: Title.optional(),
  resolve: z.boolean().default(false),
});
export type IncidentUpdateInput = z.infer<typeof IncidentUpdateInput>;

export const IncidentId = z.object({
  id: z.string().regex(/^[\w-]{1,64}$/, 'id must be an incident id (letters, digits, - and _, at most 64)'),
});

export function clip(text: string, max = TEXT_MAX): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

/** Appends an entry, dropping the oldest non-update entries (then the oldest at all) past the cap. */
export function withEntry(incident: Incident, entry: TimelineEntry): Incident {
  const timeline = [...incident.timeline, { ...entry, text: clip(entry.text) }];
  while (timeline.length > MAX_TIMELINE) {
    // Keep the first entry (how it opened); drop the oldest automatic entry after it.
    const drop = timeline.findIndex((e, i) => i > 0 && (e.kind === 'state' || e.kind === 'alert'));
    timeline.splice(drop > 0 ? drop : 1, 1);
  }
  return { ...incident, timeline };
}

const IMPACT_RANK = { none: 0, warn: 1, fail: 2 } as const;

export function worseImpact(a: Incident['impact'], b: Incident['impact']): Incident['impact'] {
  return IMPACT_RANK[b] > IMPACT_RANK[a] ? b : a;
}
