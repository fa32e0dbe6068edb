import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { type Edge, makeEdge } from '../../test/harness.ts';

let edge: Edge;
afterEach(() => edge?.stop());

type Doc = {
  openapi: string;
  paths: Record<string, Record<string, { security?: Record<string, string[]>[] }>>;
  components: { securitySchemes: Record<string, { type: string; scheme?: string }> };
};

async function document(): Promise<Doc> {
  edge = makeEdge();
  const res = await edge.app.request('/openapi.json');
  expect(res.status).toBe(200);
  return (await res.json()) as Doc;
}

/** `GET /admin/rooms`-style routes of the README's routes table, in OpenAPI path syntax. */
function readmeRoutes(): { route: string; admin: boolean }[] {
  const readme = readFileSync(join(import.meta.dirname, '../../../README.md'), 'utf8');
  const table = readme.slice(readme.indexOf('| route |'));
  const rows = table.slice(0, table.indexOf('\n\n')).split('\n').slice(2);
  return rows.flatMap((row) => {
    const [, routes = '', auth = ''] = row.split(/(?<!\\)\|/);
    return [...routes.matchAll(/`(GET|POST|PUT) ([^`?]+)/g)].map((m) => ({
      route: `${m[1]} ${m[2]!.replace(/:(\w+)/g, '{$1}')}`,
      admin: auth.trim() === 'admin',
    }));
  });
}

describe('/openapi.json', () => {
  it('is OpenAPI 3.1 and describes every route of the README, admin ones with the bearer scheme', async () => {
    const doc = await document();
    expect(doc.openapi).toBe('3.1.0');
    const routes = readmeRoutes();
    expect(routes.length).toBeGreaterThanOrEqual(22);
    for (const { route, admin } of routes) {
      const [method, path] = route.split(' ') as [string, string];
      const operation = doc.paths[path]?.[method.toLowerCase()];
      expect(operation, route).toBeDefined();
      if (admin) expect(operation?.security, route).toContainEqual({ adminBearer: [] });
    }
    expect(doc.components.securitySchemes.adminBearer).toEqual(
      expect.objectContaining({ type: 'http', scheme: 'bearer' }),
    );
    expect(doc.paths['/health']?.get?.security).toEqual([]);
  });

  it('documents a body and a query from the validators that check them', async () => {
    const doc = (await document()) as unknown as {
      paths: Record<
        string,
        Record<
          string,
          {
            parameters?: { name: string }[];
            requestBody?: { required: boolean; content: Record<string, { schema: { required?: string[] } }> };
          }
        >
      >;
    };
    const maintenance = doc.paths['/admin/maintenance']?.post?.requestBody;
    expect(maintenance?.required).toBe(true);
    expect(maintenance?.content['application/json']?.schema.required).toEqual(['enabled']);
    expect(doc.paths['/admin/disconnect-all']?.post?.requestBody?.required).toBe(false);
    expect(doc.paths['/admin/connections']?.get?.parameters?.map((p) => p.name)).toEqual([
      'node',
      'namespace',
      'user',
      'room',
      'search',
      'cursor',
      'limit',
    ]);
  });
});

describe('/docs', () => {
  it('is a page with no script and no outside assets, under its own CSP', async () => {
    edge = makeEdge();
    const res = await edge.app.request('/docs');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/html; charset=UTF-8');
    expect(res.headers.get('content-security-policy')).toMatch(
      /^default-src 'none'; style-src 'sha256-[A-Za-z0-9+/]+=*'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'$/,
    );
    const html = await res.text();
    expect(html).not.toMatch(/<script|<link|src=/i);
    expect(html).toContain('<h3><span class="m">POST</span>/admin/broadcast</h3>');
    expect(html).toContain('Auth: adminBearer');
  });

  it('hashes the stylesheet it inlines', async () => {
    edge = makeEdge();
    const res = await edge.app.request('/docs');
    const html = await res.text();
    const style = html.match(/<style>([\s\S]*?)<\/style>/)?.[1] ?? '';
    const digest = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(style));
    const hash = btoa(String.fromCharCode(...new Uint8Array(digest)));
    expect(res.headers.get('content-security-policy')).toContain(`style-src 'sha256-${hash}'`);
  });
});
