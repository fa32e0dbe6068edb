import { createMiddleware } from 'hono/factory';
import type { Authenticator, Principal } from './index.ts';

export interface AuthVariables {
  principal: Principal;
}

/**
 * Admin routes. `allowQueryToken` is for the live feed only: browsers cannot set headers on a
 * WebSocket or an EventSource, so `?access_token=` (RFC 6750 §2.3) stands in for the header there.
 */
export function requireAdmin(auth: Authenticator, options: { allowQueryToken?: boolean } = {}) {
  return createMiddleware<{ Variables: AuthVariables }>(async (c, next) => {
    let authorization = c.req.header('authorization');
    const queryToken = options.allowQueryToken ? c.req.query('access_token') : undefined;
    if (!authorization && queryToken) authorization = `Bearer ${queryToken}`;
    c.set('principal', await auth.admin(authorization));
    await next();
  });
}
