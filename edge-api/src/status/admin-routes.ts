import { Hono } from 'hono';
import { z } from 'zod';
import { recordAdminAction } from '../audit/record.ts';
import type { EdgeEnv, EdgeServices } from '../context.ts';
import { adminRoute, body } from '../openapi/describe.ts';
import { fromStore, HttpProblem, ProblemType } from '../problem/index.ts';
import { validate } from '../problem/request.ts';
import { Incident, IncidentId, IncidentInput, IncidentUpdateInput, MAX_INCIDENTS } from './incidents.ts';
import { MAX_WINDOWS, MaintenanceWindow, MaintenanceWindowInput } from './maintenance.ts';

const IncidentsQuery = z.object({
  limit: z.coerce
    .number({ error: 'limit must be a number' })
    .int('limit must be a whole number')
    .min(1, 'limit must be at least 1')
    .max(MAX_INCIDENTS, `limit must be at most ${MAX_INCIDENTS}`)
    .default(20),
});

const WindowId = z.object({
  id: z.string().regex(/^[\w-]{1,64}$/, 'id must be a window id (letters, digits, - and _, at most 64)'),
});

const notFound = (what: string, id: string) =>
  new HttpProblem({
    status: 404,
    type: ProblemType.notFound,
    title: 'Not found',
    detail: `no ${what} with id '${id}'`,
  });

function describeUpdate(update: IncidentUpdateInput): string {
  const parts = [
    update.title === undefined ? null : `retitled '${update.title}'`,
    update.resolve ? 'resolved' : null,
  ];
  return [...parts.filter((p) => p !== null), `update: ${update.message}`].join('; ');
}

function describeWindow(window: MaintenanceWindow): string {
  const start = new Date(window.startsAt).toISOString();
  const every = window.recurrence === 'weekly' ? ', weekly' : '';
  const nodes = window.switchNodes ? ', switches nodes' : '';
  return `${start} for ${Math.round(window.durationMs / 60_000)} min${every}${nodes}: ${window.message}`;
}

/**
 * Incidents and maintenance windows, for admins. Every change is recorded with its actor: in the
 * incident's timeline (`author`) or the window (`createdBy`), and in the audit trail.
 */
export function statusAdminRoutes(s: EdgeServices) {
  return new Hono<EdgeEnv>()
    .get(
      '/incidents',
      adminRoute({
        summary: 'Incidents, newest first (open and resolved, automatic and announced)',
        tags: ['status'],
        responses: {
          200: { description: 'Incidents', content: body(z.object({ items: z.array(Incident) })) },
        },
      }),
      s.admin,
      validate('query', IncidentsQuery),
      async (c) => c.json({ items: await fromStore(s.aggregator.incidents(c.req.valid('query').limit)) }),
    )
    .post(
      '/incidents',
      adminRoute({
        summary: 'Announce an incident (or a notice) on the status page',
        tags: ['status'],
        mutation: true,
        responses: { 201: { description: 'The incident', content: body(Incident) } },
      }),
      s.admin,
      s.limit,
      validate('json', IncidentInput),
      async (c) => {
        const input = c.req.valid('json');
        const incident = await fromStore(s.aggregator.announceIncident(input, c.get('principal').actor));
        await recordAdminAction(c, s, {
          action: 'incident-create',
          subject: incident.id,
          summary: `announced '${input.title}' (impact ${input.impact})`,
        });
        return c.json(incident, 201);
      },
    )
    .post(
      '/incidents/:id/updates',
      adminRoute({
        summary: "Add an update to an incident's timeline; optionally retitle or resolve it",
        tags: ['status'],
        mutation: true,
        responses: {
          200: { description: 'The incident', content: body(Incident) },
          404: { description: 'No incident with that id' },
        },
      }),
      s.admin,
      s.limit,
      validate('param', IncidentId),
      validate('json', IncidentUpdateInput),
      async (c) => {
        const { id } = c.req.valid('param');
        const update = c.req.valid('json');
        const incident = await fromStore(s.aggregator.updateIncident(id, update, c.get('principal').actor));
        await recordAdminAction(c, s, {
          action: 'incident-update',
          subject: id,
          ...(incident
            ? { summary: describeUpdate(update) }
            : { summary: 'refused: no such incident', outcome: 'refused' }),
        });
        if (!incident) throw notFound('incident', id);
        return c.json(incident, 200);
      },
    )
    .get(
      '/maintenance/windows',
      adminRoute({
        summary: 'Scheduled maintenance windows',
        tags: ['status'],
        responses: {
          200: { description: 'Windows', content: body(z.object({ items: z.array(MaintenanceWindow) })) },
        },
      }),
      s.admin,
      async (c) => c.json({ items: await fromStore(s.aggregator.maintenanceWindows()) }),
    )
    .post(
      '/maintenance/windows',
      adminRoute({
        summary: 'Schedule a maintenance window (start, duration, optional weekly recurrence, message)',
        tags: ['status'],
        mutation: true,
        responses: {
          201: { description: 'The window', content: body(MaintenanceWindow) },
          409: { description: `Already ${MAX_WINDOWS} windows scheduled` },
        },
      }),
      s.admin,
      s.limit,
      validate('json', MaintenanceWindowInput),
      async (c) => {
        const result = await fromStore(
          s.aggregator.addMaintenanceWindow(c.req.valid('json'), c.get('principal').actor),
        );
        await recordAdminAction(c, s, {
          action: 'maintenance-window-create',
          ...('error' in result
            ? { subject: '-', summary: `refused: ${MAX_WINDOWS} windows already`, outcome: 'refused' }
            : { subject: result.window.id, summary: describeWindow(result.window) }),
        });
        if ('error' in result) {
          throw new HttpProblem({
            status: 409,
            type: ProblemType.validation,
            title: 'Too many maintenance windows',
            detail: `at most ${MAX_WINDOWS} windows may be scheduled; delete one first`,
          });
        }
        return c.json(result.window, 201);
      },
    )
    .delete(
      '/maintenance/windows/:id',
      adminRoute({
        summary: 'Delete a maintenance window',
        tags: ['status'],
        mutation: true,
        responses: {
          200: { description: 'Deleted', content: body(z.object({ deleted: z.string() })) },
          404: { description: 'No window with that id' },
        },
      }),
      s.admin,
      s.limit,
      validate('param', WindowId),
      async (c) => {
        const { id } = c.req.valid('param');
        const deleted = await fromStore(s.aggregator.removeMaintenanceWindow(id));
        await recordAdminAction(c, s, {
          action: 'maintenance-window-delete',
          subject: id,
          ...(deleted ? { summary: 'deleted' } : { summary: 'refused: no such window', outcome: 'refused' }),
        });
        if (!deleted) throw notFound('maintenance window', id);
        return c.json({ deleted: id }, 200);
      },
    );
}
