import type { MiddlewareHandler } from 'hono';
import { secureHeaders } from 'hono/secure-headers';

/**
 * The headers of the edge's HTML pages (dashboard, status page). A page may only talk to its own
 * origin and load its own assets: no CDN, no inline script; `connect-src 'self'` covers the
 * same-origin WebSocket feed as well. Only CSP, Referrer-Policy and X-Frame-Options: the rest of
 * secureHeaders' defaults are off (the app sets nosniff on every answer itself).
 * `imageOrigins` adds origins images may come from (the status page's configured logo).
 */
export function pageSecurityHeaders(imageOrigins: string[] = []): MiddlewareHandler {
  return secureHeaders({
    contentSecurityPolicy: {
      defaultSrc: ["'none'"],
      scriptSrc: ["'self'"],
      styleSrc: ["'self'"],
      connectSrc: ["'self'"],
      imgSrc: ["'self'", 'data:', ...imageOrigins],
      baseUri: ["'none'"],
      formAction: ["'none'"],
      frameAncestors: ["'none'"],
    },
    referrerPolicy: 'no-referrer',
    xFrameOptions: 'DENY',
    crossOriginResourcePolicy: false,
    crossOriginOpenerPolicy: false,
    originAgentCluster: false,
    strictTransportSecurity: false,
    xContentTypeOptions: false,
    xDnsPrefetchControl: false,
    xDownloadOptions: false,
    xPermittedCrossDomainPolicies: false,
    xXssProtection: false,
    removePoweredBy: false,
  });
}
