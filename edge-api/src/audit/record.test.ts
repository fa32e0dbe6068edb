import type { AddressInfo } from 'node:net';
import { type ServerType, serve } from '@hono/node-server';
import { AdminActionAuditEntry, AuditEntry } from '@telltale/shared';
import { SignJWT } from 'jose';
import { afterEach, describe, expect, it } from 'vitest';
import { admin, type Edge, JWT_SECRET, makeEdge } from '../../test/harness.ts';

let edge: Edge;
let server: ServerType | null = null;
let base = '';
afterEach(async () => {
  await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  server = null;
  await edge?.stop();
});

/** The edge app behind a real HTTP server on loopback. */
async function listening(): Promise<void> {
  edge = makeEdge();
  await new Promise<void>((resolve) => {
    server = serve({ fetch: edge.app.fetch, port: 0, hostname: '127.0.0.1' }, (info: AddressInfo) => {
      base = `http://127.0.0.1:${info.port}`;
      resolve();
    });
  });
}

async function call(method: string, path: string, headers: Record<string, string>, body?: unknown) {
  const response = await fetch(`${base}${path}`, {
    method,
    headers: { ...headers, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

async function auditTrail(): Promise<AuditEntry[]> {
  const { status, body } = await call('GET', '/admin/commands?limit=50', admin);
  expect(status).toBe(200);
  return (body.items as unknown[]).map((item) => AuditEntry.parse(item));
}

const actions = (entries: AuditEntry[]) =>
  entries.flatMap((entry) => {
    const parsed = AdminActionAuditEntry.safeParse(entry);
    return parsed.success ? [parsed.data] : [];
  });

const rule = {
  id: 'high-errors',
  description: 'errors',
  metric: 'errors.rate',
  comparison: '>',
  threshold: 5,
  severity: 'critical',
};

async function bobToken(): Promise<Record<string, string>> {
  const jwt = await new SignJWT({ role: 'admin' })
    .setProtectedHeader({ alg: 'HS256' })
    .setSubject('bob@example.com')
    .setExpirationTime('5m')
    .sign(new TextEncoder().encode(JWT_SECRET));
  return { authorization: `Bearer ${jwt}` };
}

describe('admin actions in the audit trail', () => {
  it('records silences, incidents, maintenance windows and alert rules with who did what, newest first', async () => {
    await listening();
    const bob = await bobToken();

    expect((await call('PUT', '/admin/alerts/rules', bob, [rule])).status).toBe(200);
    const putOne = await call('PUT', '/admin/alerts/rules/slow', bob, {
      ...rule,
      id: 'slow',
      metric: 'events.latency.p99',
      threshold: 250,
    });
    expect(putOne.status).toBe(200);
    const silence = await call('POST', '/admin/silences', bob, {
      ruleId: 'high-errors',
      durationMs: 3_600_000,
      comment: 'deploy in progress',
    });
    expect(silence.status).toBe(201);
    const silenceId = (silence.body.silence as { id: string }).id;
    expect((await call('DELETE', `/admin/silences/${silenceId}`, bob)).status).toBe(200);
    const incident = await call('POST', '/admin/incidents', bob, {
      title: 'Chat delayed',
      message: 'Messages arrive late',
      impact: 'warn',
    });
    expect(incident.status).toBe(201);
    const incidentId = incident.body.id as string;
    const update = await call('POST', `/admin/incidents/${incidentId}/updates`, bob, {
      message: 'Fixed',
      resolve: true,
    });
    expect(update.status).toBe(200);
    const window = await call('POST', '/admin/maintenance/windows', admin, {
      startsAt: '2030-01-01T00:00:00Z',
      durationMinutes: 30,
      message: 'Redis upgrade',
    });
    expect(window.status).toBe(201);
    const windowId = window.body.id as string;
    expect((await call('DELETE', `/admin/maintenance/windows/${windowId}`, admin)).status).toBe(200);

    const trail = await auditTrail();
    expect(trail).toHaveLength(8);
    expect(
      actions(trail).map(({ action, subject, actor, role, outcome }) => ({
        action,
        subject,
        actor,
        role,
        outcome,
      })),
    ).toEqual([
      {
        action: 'maintenance-window-delete',
        subject: windowId,
        actor: 'admin-token',
        role: 'admin',
        outcome: 'applied',
      },
      {
        action: 'maintenance-window-create',
        subject: windowId,
        actor: 'admin-token',
        role: 'admin',
        outcome: 'applied',
      },
      {
        action: 'incident-update',
        subject: incidentId,
        actor: 'bob@example.com',
        role: 'admin',
        outcome: 'applied',
      },
      {
        action: 'incident-create',
        subject: incidentId,
        actor: 'bob@example.com',
        role: 'admin',
        outcome: 'applied',
      },
      {
        action: 'silence-expire',
        subject: silenceId,
        actor: 'bob@example.com',
        role: 'admin',
        outcome: 'applied',
      },
      {
        action: 'silence-create',
        subject: silenceId,
        actor: 'bob@example.com',
        role: 'admin',
        outcome: 'applied',
      },
      {
        action: 'alert-rule-put',
        subject: 'slow',
        actor: 'bob@example.com',
        role: 'admin',
        outcome: 'applied',
      },
      {
        action: 'alert-rules-replace',
        subject: '*',
        actor: 'bob@example.com',
        role: 'admin',
        outcome: 'applied',
      },
    ]);
    const summaries = actions(trail).map((entry) => entry.summary);
    expect(summaries).toEqual([
      'deleted',
      '2030-01-01T00:00:00.000Z for 30 min: Redis upgrade',
      'resolved; update: Fixed',
      "announced 'Chat delayed' (impact warn)",
      'expired early; it muted {alertname=high-errors}',
      'mutes {alertname=high-errors} for 60 min: deploy in progress',
      "added rule 'slow' (events.latency.p99 > 250); now 2",
      'replaced every rule; now 1: high-errors',
    ]);
  });

  it('records an action the edge refused (404) as refused, with the id asked for', async () => {
    await listening();
    const missing = await call('POST', '/admin/incidents/nope/updates', admin, { message: 'hello' });
    expect(missing.status).toBe(404);
    const noWindow = await call('DELETE', '/admin/maintenance/windows/w-missing', admin);
    expect(noWindow.status).toBe(404);
    const [deleted, updated] = actions(await auditTrail());
    expect(deleted).toMatchObject({
      action: 'maintenance-window-delete',
      subject: 'w-missing',
      outcome: 'refused',
      summary: 'refused: no such window',
    });
    expect(updated).toMatchObject({ action: 'incident-update', subject: 'nope', outcome: 'refused' });
  });

  it('keeps client-chosen text within the entry bounds', async () => {
    await listening();
    const comment = 'x'.repeat(500);
    const silence = await call('POST', '/admin/silences', admin, {
      matchers: [{ name: 'team', value: 'chat' }],
      durationMs: 60_000,
      comment,
    });
    expect(silence.status).toBe(201);
    const [entry] = actions(await auditTrail());
    expect(entry?.summary).toHaveLength(300);
    expect(entry?.summary.endsWith('…')).toBe(true);
  });
});
