/** The parts of an OpenAPI 3.1 document the reference page shows. */
export interface OpenApiDocument {
  openapi: string;
  info: { title: string; version: string; description?: string };
  tags?: { name: string; description?: string }[];
  paths: Record<string, Record<string, Operation | undefined>>;
  components?: { securitySchemes?: Record<string, { description?: string }> };
}

interface Operation {
  summary?: string;
  description?: string;
  tags?: string[];
  security?: Record<string, string[]>[];
  parameters?: { name: string; in: string; required?: boolean; schema?: unknown; $ref?: string }[];
  requestBody?: { content?: Record<string, { schema?: unknown }> };
  responses?: Record<string, { description?: string; content?: Record<string, unknown> }>;
}

const STYLE = `body{font:15px/1.5 system-ui,sans-serif;margin:0 auto;max-width:60rem;padding:1rem 1.5rem;color:#1d2330}
h2{border-bottom:1px solid #d5d9e0;margin-top:2.5rem}section{margin:1.5rem 0}
h3{font:600 15px ui-monospace,monospace;margin:.2rem 0}.m{display:inline-block;min-width:3.5rem;color:#0b5cad}
pre{background:#f3f5f8;padding:.6rem;overflow:auto;font-size:13px;max-height:20rem}
table{border-collapse:collapse}td,th{text-align:left;padding:.15rem .8rem .15rem 0;vertical-align:top}
.auth{color:#8a4b00}code{font-size:13px}`;

const text = (s: string) => s.replace(/[&<>"']/g, (ch) => `&#${ch.charCodeAt(0)};`);

/**
 * A self-contained reference page: the document rendered to plain HTML on the server, one inline
 * stylesheet allowed by hash, no script and no CDN, so it works under a `default-src 'none'` CSP.
 */
export async function renderReference(doc: OpenApiDocument): Promise<{ html: string; csp: string }> {
  const digest = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(STYLE));
  const hash = btoa(String.fromCharCode(...new Uint8Array(digest)));
  const csp = [
    "default-src 'none'",
    `style-src 'sha256-${hash}'`,
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
  ].join('; ');
  const schemes = doc.components?.securitySchemes ?? {};
  const byTag = new Map<string, string[]>();
  for (const [path, methods] of Object.entries(doc.paths)) {
    for (const [method, op] of Object.entries(methods)) {
      if (!op) continue;
      const tag = op.tags?.[0] ?? 'other';
      byTag.set(tag, [...(byTag.get(tag) ?? []), operation(method, path, op, schemes)]);
    }
  }
  const sections = (doc.tags ?? [])
    .map((t) => t.name)
    .concat([...byTag.keys()].filter((name) => !doc.tags?.some((t) => t.name === name)))
    .filter((name) => byTag.has(name))
    .map(
      (name) =>
        `<h2 id="${text(name)}">${text(name)}</h2>${
          doc.tags?.find((t) => t.name === name)?.description
            ? `<p>${text(doc.tags?.find((t) => t.name === name)?.description ?? '')}</p>`
            : ''
        }${byTag.get(name)?.join('') ?? ''}`,
    )
    .join('');
  const html = `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>${text(doc.info.title)}</title><style>${STYLE}</style></head><body>
<h1>${text(doc.info.title)} <small>${text(doc.info.version)}</small></h1>
<p>${text(doc.info.description ?? '')}</p><p>OpenAPI ${text(doc.openapi)} document: <a href="/openapi.json">/openapi.json</a></p>
${sections}</body></html>`;
  return { html, csp };
}

function operation(
  method: string,
  path: string,
  op: Operation,
  schemes: Record<string, { description?: string }>,
): string {
  const auth = (op.security ?? [])
    .flatMap((requirement) => Object.keys(requirement))
    .map((name) => `${name}${schemes[name]?.description ? `: ${schemes[name].description}` : ''}`);
  const params = (op.parameters ?? []).filter((p) => !p.$ref);
  const bodySchema = Object.entries(op.requestBody?.content ?? {})[0];
  return `<section><h3><span class="m">${method.toUpperCase()}</span>${text(path)}</h3>
<p>${text(op.summary ?? '')}${op.description ? ` ${text(op.description)}` : ''}</p>
<p class="auth">${auth.length ? `Auth: ${text(auth.join(' | '))}` : 'Public'}</p>${
    params.length
      ? `<table><tr><th>parameter</th><th>in</th><th>schema</th></tr>${params
          .map(
            (p) =>
              `<tr><td><code>${text(p.name)}</code>${p.required ? ' (required)' : ''}</td><td>${text(p.in)}</td><td><code>${text(JSON.stringify(p.schema ?? {}))}</code></td></tr>`,
          )
          .join('')}</table>`
      : ''
  }${
    bodySchema
      ? `<p>Body (${text(bodySchema[0])}):</p><pre>${text(JSON.stringify(bodySchema[1].schema ?? {}, null, 2))}</pre>`
      : ''
  }<table>${Object.entries(op.responses ?? {})
    .map(
      ([status, r]) =>
        `<tr><td>${text(status)}</td><td>${text(r.description ?? '')}</td><td><code>${text(Object.keys(r.content ?? {}).join(', '))}</code></td></tr>`,
    )
    .join('')}</table></section>`;
}
