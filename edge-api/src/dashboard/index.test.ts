import { describe, expect, it } from 'vitest';
import { makeEdge } from '../../test/harness.ts';
import { DASHBOARD_HASH } from './assets.generated.ts';

describe('GET /system/health/realtime', () => {
  const edge = makeEdge();

  it('serves the page with a strict CSP and asset URLs carrying the build hash', async () => {
    const response = await edge.app.request('/system/health/realtime');
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(response.headers.get('content-security-policy')?.split('; ')).toEqual([
      "default-src 'none'",
      "script-src 'self'",
      "style-src 'self'",
      "connect-src 'self'",
      "img-src 'self' data:",
      "base-uri 'none'",
      "form-action 'none'",
      "frame-ancestors 'none'",
    ]);
    expect(response.headers.get('referrer-policy')).toBe('no-referrer');
    expect(response.headers.get('x-frame-options')).toBe('DENY');
    expect([...response.headers.keys()].sort()).toEqual([
      'cache-control',
      'content-security-policy',
      'content-type',
      'referrer-policy',
      'x-content-type-options',
      'x-frame-options',
    ]);
    const html = await response.text();
    expect(html).toContain(`src="realtime/app.js?v=${DASHBOARD_HASH}"`);
    expect(html).toContain(`href="realtime/app.css?v=${DASHBOARD_HASH}"`);
    expect(html).not.toMatch(/https?:\/\//);
  });

  it('redirects the trailing-slash URL, whose relative asset paths would not resolve', async () => {
    const response = await edge.app.request('/system/health/realtime/');
    expect(response.status).toBe(308);
    expect(response.headers.get('location')).toBe('/system/health/realtime');
  });

  it('serves the bundle and the stylesheet, immutable only for the current hash, with ETag revalidation', async () => {
    const js = await edge.app.request(`/system/health/realtime/app.js?v=${DASHBOARD_HASH}`);
    expect(js.status).toBe(200);
    expect(js.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    expect(js.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
    expect((await js.text()).length).toBeGreaterThan(10_000);

    const css = await edge.app.request('/system/health/realtime/app.css?v=old');
    expect(css.headers.get('content-type')).toBe('text/css; charset=utf-8');
    expect(css.headers.get('cache-control')).toBe('no-cache');
    expect(await css.text()).toContain('.uplot');

    const again = await edge.app.request('/system/health/realtime/app.js', {
      headers: { 'if-none-match': `"${DASHBOARD_HASH}"` },
    });
    expect(again.status).toBe(304);
  });

  it('keeps cluster data behind the admin API: the page itself embeds none', async () => {
    const html = await (await edge.app.request('/system/health/realtime')).text();
    expect(html).toContain('id="token-dialog"');
    expect((await edge.app.request('/admin/connections')).status).toBe(401);
  });
});
