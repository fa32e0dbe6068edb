import { createMiddleware } from 'hono/factory';
import type { Authenticator, Principal } from './index.ts';

export interface AuthVariables {
  principal: Principal;
}

/** Methods that only read: a viewer may use them; anything else needs an admin. */
const READS = new Set(['GET', 'HEAD']);

/**
 * Admin routes: every read for admins and viewers, everything else for admins only (a viewer
 * gets a 403 naming the role needed), whatever the route, so a new route cannot forget it.
 * `allowQueryToken` is for the live feed only: browsers cannot set headers on a
 * WebSocket or an EventSource, so `?access_token=` (RFC 6750 §2.3) stands in for the header there.
 */
export function requireAdmin(auth: Authenticator, options: { allowQueryToken?: boolean } = {}) {
  return createMiddleware<{ Variables: AuthVariables }>(async (c, next) => {
    let authorization = c.req.header('authorization');
    const queryToken = options.allowQueryToken ? c.req.query('access_token') : undefined;
    if (!authorization && queryToken) authorization = `Bearer ${queryToken}`;
    c.set(
      'principal',
      READS.has(c.req.method) ? await auth.reader(authorization) : await auth.admin(authorization),
    );
    await next();
  });
}
