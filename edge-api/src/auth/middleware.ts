import { createMiddleware } from 'hono/factory';
import { tokenFromProtocols } from '../live/ws-protocol.ts';
import type { Authenticator, Principal } from './index.ts';

export interface AuthVariables {
  principal: Principal;
}

/** Methods that only read: a viewer may use them; anything else needs an admin. */
const READS = new Set(['GET', 'HEAD']);

/**
 * Admin routes: every read for admins and viewers, everything else for admins only (a viewer
 * gets a 403 naming the role needed), whatever the route, so a new route cannot forget it.
 * Browsers cannot set headers on a WebSocket or an EventSource, so for the live feed only:
 * `allowProtocolToken` reads the token from the WebSocket's `Sec-WebSocket-Protocol` offer
 * (see live/ws-protocol.ts), `allowQueryToken` from `?access_token=` (RFC 6750 §2.3, SSE only).
 */
export function requireAdmin(
  auth: Authenticator,
  options: { allowQueryToken?: boolean; allowProtocolToken?: boolean } = {},
) {
  return createMiddleware<{ Variables: AuthVariables }>(async (c, next) => {
    let authorization = c.req.header('authorization');
    const queryToken = options.allowQueryToken ? c.req.query('access_token') : undefined;
    const protocolToken = options.allowProtocolToken
      ? tokenFromProtocols(c.req.header('sec-websocket-protocol'))
      : null;
    if (!authorization && protocolToken) authorization = `Bearer ${protocolToken}`;
    if (!authorization && queryToken) authorization = `Bearer ${queryToken}`;
    c.set(
      'principal',
      READS.has(c.req.method) ? await auth.reader(authorization) : await auth.admin(authorization),
    );
    await next();
  });
}
