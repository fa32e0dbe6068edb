import { Hono } from 'hono';
import { z } from 'zod';
import type { EdgeEnv, EdgeServices } from '../context.ts';
import { adminRoute, body } from '../openapi/describe.ts';

/** Who the credential is and what it may do: the dashboard hides actions from viewers. */
export const Session = z
  .object({
    actor: z.string(),
    role: z.enum(['admin', 'viewer']),
    /** False for viewers: commands, rule edits and tap payloads answer them 403. */
    canAct: z.boolean(),
  })
  .meta({ id: 'Session' });
export type Session = z.infer<typeof Session>;

export function sessionRoutes(s: EdgeServices) {
  return new Hono<EdgeEnv>().get(
    '/session',
    adminRoute({
      summary: 'The credential sent: its actor and role (admin, or viewer: every read, no command)',
      tags: ['admin'],
      responses: { 200: { description: 'The session', content: body(Session) } },
    }),
    s.admin,
    (c) => {
      const { actor, role } = c.get('principal');
      const session: Session = {
        actor,
        role: role === 'admin' ? 'admin' : 'viewer',
        canAct: role === 'admin',
      };
      return c.json(session);
    },
  );
}
