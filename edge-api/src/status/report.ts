import { z } from 'zod';
import { Incident } from './incidents.ts';
import { UPTIME_WINDOWS } from './rollup.ts';

const State = z.enum(['pass', 'warn', 'fail', 'maintenance']);

export const Component = z.object({
  name: z.string(),
  status: State,
  /** Counts and words, never a node id, socket, user or room. */
  detail: z.string(),
});

export const DayBar = z.object({
  /** UTC midnight of the day (ms). */
  at: z.number().int(),
  /** null: nothing observed that day. */
  uptime: z.number().min(0).max(1).nullable(),
  failMs: z.number().int().nonnegative(),
  maintenanceMs: z.number().int().nonnegative(),
  observedMs: z.number().int().nonnegative(),
  /** Titles of the incidents that were open that day. */
  incidents: z.array(z.string()),
});
export type DayBar = z.infer<typeof DayBar>;

const Notice = z.object({
  windowId: z.string(),
  startsAt: z.number().int(),
  endsAt: z.number().int(),
  message: z.string(),
});

/** The public status: what /status renders, /status.json answers and the badges read. */
export const StatusReport = z
  .object({
    generatedAt: z.number().int(),
    /** The state right now: the cluster's health, or `maintenance` inside a window. */
    status: State,
    /** The state in one line. */
    summary: z.string(),
    components: z.array(Component),
    uptime: z.object(
      Object.fromEntries(UPTIME_WINDOWS.map((w) => [w, z.number().min(0).max(1).nullable()])) as Record<
        (typeof UPTIME_WINDOWS)[number],
        z.ZodNullable<z.ZodNumber>
      >,
    ),
    /** Oldest first, 90 UTC days ending today. */
    days: z.array(DayBar),
    activeIncidents: z.array(Incident),
    recentIncidents: z.array(Incident),
    maintenance: z.object({ active: Notice.nullable(), upcoming: z.array(Notice) }),
    /** How uptime is defined, in words, shown on the page. */
    uptimeDefinition: z.string(),
  })
  .meta({ id: 'StatusReport' });
export type StatusReport = z.infer<typeof StatusReport>;
export type StatusComponent = z.infer<typeof Component>;

export const UPTIME_DEFINITION =
  'Uptime is the time the cluster was pass or warn divided by the time it was pass, warn or fail: ' +
  'only fail (the store unreachable, no socket node live, fewer live nodes than expected, or a critical alert) counts as down; ' +
  'warn counts as up; scheduled maintenance windows and time the edge was not running are left out. ' +
  'Measured at every tick of the edge; 24 h and 7 d are the last 24 and 168 hours, 30 d and 90 d the last 30 and 90 UTC days, each including the current one.';
