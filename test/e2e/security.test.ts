import { SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { liveProtocols } from '../../edge-api/src/live/ws-protocol.ts';
import {
  Cluster,
  measure,
  request,
  requestOnce,
  signToken,
  type TestClient,
  waitFor,
} from './harness/index.ts';

interface Credential {
  name: string;
  authorization: string | null;
  /** 401 for no or bad credentials, 403 for a valid identity without the admin role. */
  expected: 401 | 403;
}

describe('scenario 8: credentials are checked everywhere, and nothing secret or personal leaks', () => {
  let cluster: Cluster;
  let clients: TestClient[];
  /** Every token this test issued: none may show up in a log or an answer. */
  const issued: string[] = [];
  const userIds = [`user-${crypto.randomUUID()}`, `user-${crypto.randomUUID()}`];

  beforeAll(async () => {
    cluster = await Cluster.start();
    clients = [
      await cluster.clients.connect({ user: userIds[0]!, role: 'attendant', namespace: '/hub' }),
      await cluster.clients.connect({
        user: userIds[1]!,
        role: 'client',
        namespace: '/portal',
        threads: ['t-secret'],
      }),
    ];
    expect(await clients[1]!.ask('join:thread', { threadId: 't-secret' })).toEqual({ ok: true });
  });
  afterAll(async () => {
    await cluster?.stop();
  });

  async function credentials(): Promise<Credential[]> {
    const secret = cluster.secrets.jwtSecret;
    const tokens = {
      expired: await signToken(secret, { sub: 'ops-old', role: 'admin' }, { expiresInSec: -60 }),
      forged: await signToken(`not-${secret}`, { sub: 'ops-forger', role: 'admin' }),
      attendant: await signToken(secret, { sub: 'agent-nosy', role: 'attendant' }),
      client: await signToken(secret, { sub: 'customer-nosy', role: 'client' }),
      noRole: await signToken(secret, { sub: 'nobody', role: '' }),
      hs512: await new SignJWT({ role: 'admin' })
        .setProtectedHeader({ alg: 'HS512' })
        .setSubject('ops-alg')
        .setExpirationTime('1h')
        .sign(new TextEncoder().encode(secret)),
      algNone: `${Buffer.from('{"alg":"none","typ":"JWT"}').toString('base64url')}.${Buffer.from('{"sub":"ops","role":"admin"}').toString('base64url')}.`,
    };
    issued.push(...Object.values(tokens));
    return [
      { name: 'missing', authorization: null, expected: 401 },
      { name: 'empty bearer', authorization: 'Bearer ', expected: 401 },
      { name: 'wrong admin token', authorization: `Bearer ${cluster.secrets.adminToken}x`, expected: 401 },
      {
        name: 'admin token prefix',
        authorization: `Bearer ${cluster.secrets.adminToken.slice(0, 20)}`,
        expected: 401,
      },
      {
        name: 'basic auth',
        authorization: `Basic ${Buffer.from(`admin:${cluster.secrets.adminToken}`).toString('base64')}`,
        expected: 401,
      },
      { name: 'token without scheme', authorization: cluster.secrets.adminToken, expected: 401 },
      { name: 'expired admin JWT', authorization: `Bearer ${tokens.expired}`, expected: 401 },
      { name: 'admin JWT signed with another key', authorization: `Bearer ${tokens.forged}`, expected: 401 },
      { name: 'admin JWT with HS512', authorization: `Bearer ${tokens.hs512}`, expected: 401 },
      { name: 'alg none', authorization: `Bearer ${tokens.algNone}`, expected: 401 },
      { name: 'attendant JWT', authorization: `Bearer ${tokens.attendant}`, expected: 403 },
      { name: 'client JWT', authorization: `Bearer ${tokens.client}`, expected: 403 },
      { name: 'JWT without a role', authorization: `Bearer ${tokens.noRole}`, expected: 403 },
    ];
  }

  it('admin routes refuse missing, wrong, expired, forged and wrong-role credentials', async () => {
    const socketId = clients[0]!.id!;
    const routes: [string, string, unknown?][] = [
      ['GET', '/admin/nodes'],
      ['GET', '/admin/connections'],
      ['GET', '/admin/rooms'],
      ['GET', '/admin/commands'],
      ['GET', '/admin/alerts'],
      ['GET', '/admin/events'],
      ['GET', '/metrics/history?minutes=5'],
      ['GET', '/health?fresh=1'],
      ['GET', '/metrics?fresh=1'],
      ['POST', `/admin/disconnect/${socketId}`],
      ['POST', `/admin/users/${userIds[0]}/disconnect`],
      ['POST', '/admin/disconnect-all', {}],
      ['POST', '/admin/broadcast', { namespace: '/hub', event: 'pwned' }],
      ['POST', '/admin/maintenance', { enabled: true, message: 'pwned' }],
      ['PUT', '/admin/rate-limits', { perSocket: { limit: 1, windowMs: 60_000 }, perUser: null }],
      ['PUT', '/admin/alerts/rules', []],
    ];
    const refused: string[] = [];
    for (const credential of await credentials()) {
      for (const [method, path, body] of routes) {
        const answer = await requestOnce(`${cluster.edge.url}${path}`, {
          method,
          headers: {
            ...(credential.authorization === null ? {} : { authorization: credential.authorization }),
            ...(body === undefined ? {} : { 'content-type': 'application/json' }),
          },
          ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        });
        expect(answer.status, `${credential.name} → ${method} ${path}: ${answer.text.slice(0, 200)}`).toBe(
          credential.expected,
        );
        if (answer.status === 401) expect(answer.headers['www-authenticate'], path).toMatch(/^Bearer/);
        for (const token of [cluster.secrets.adminToken, cluster.secrets.jwtSecret, ...issued]) {
          expect(answer.text.includes(token), `${credential.name} ${path} echoes a credential`).toBe(false);
        }
        refused.push(`${credential.name} ${method} ${path}`);
      }
      // The query-token fallback of the live feed is checked the same way.
      if (credential.authorization?.startsWith('Bearer ')) {
        const token = credential.authorization.slice('Bearer '.length);
        const sse = await requestOnce(
          `${cluster.edge.url}/admin/events?access_token=${encodeURIComponent(token)}`,
          { method: 'GET' },
        );
        expect(sse.status, `${credential.name} via ?access_token`).toBe(credential.expected);
        const ws = await requestOnce(`${cluster.edge.url}/admin/ws`, {
          method: 'GET',
          headers: {
            connection: 'Upgrade',
            upgrade: 'websocket',
            'sec-websocket-version': '13',
            'sec-websocket-key': 'dGhlIHNhbXBsZSBub25jZQ==',
            'sec-websocket-protocol': liveProtocols(token).join(', '),
          },
        });
        expect(ws.status, `${credential.name} upgrading /admin/ws`).toBe(credential.expected);
        refused.push(`${credential.name} live feed`, `${credential.name} ws`);
      }
    }
    // Nothing those requests asked for happened.
    for (const client of clients) expect(client.connected).toBe(true);
    const nodes = await cluster.edge.nodes();
    expect(nodes.map((n) => n.mode)).toEqual(['running', 'running', 'running']);
    expect((await cluster.edge.admin('GET', '/admin/commands')).json).toMatchObject({ items: [] });
    measure('8 security', 'refused credential × route combinations', refused.length);
  });

  it('the /admin namespace and /hub refuse the wrong people at the handshake', async () => {
    const secret = cluster.secrets.jwtSecret;
    const attempts: [string, string | null, string, RegExp][] = [
      ['no token', null, '/admin', /missing token/],
      [
        'forged',
        await signToken(`other-${secret}`, { sub: 'ops', role: 'admin' }),
        '/admin',
        /bad token signature/,
      ],
      [
        'expired',
        await signToken(secret, { sub: 'ops', role: 'admin' }, { expiresInSec: -60 }),
        '/admin',
        /expired/,
      ],
      ['attendant', await signToken(secret, { sub: 'agent', role: 'attendant' }), '/admin', /forbidden/],
      ['client', await signToken(secret, { sub: 'customer', role: 'client' }), '/admin', /forbidden/],
      ['client on /hub', await signToken(secret, { sub: 'customer', role: 'client' }), '/hub', /forbidden/],
      ['garbage', 'not-a-jwt', '/hub', /malformed/],
    ];
    for (const [name, token, namespace, message] of attempts) {
      if (token) issued.push(token);
      const refusal = await cluster.clients.refusal({
        user: name,
        role: 'admin',
        namespace: namespace as '/admin' | '/hub',
        token,
      });
      expect(refusal.message, name).toMatch(message);
    }
    const admin = await cluster.clients.connect({ user: 'ops-real', role: 'admin', namespace: '/admin' });
    const answer = (await admin.ask('metrics:request')) as {
      ok: boolean;
      view?: { connections: { total: number } };
    };
    expect(answer.ok).toBe(true);
    expect(answer.view?.connections.total).toBeGreaterThanOrEqual(2);
    cluster.clients.release(admin);
    measure('8 security', 'refused handshakes', attempts.length);
  });

  it('public /health and /metrics carry no socket ids, user ids, room names or tokens; the LB hides node endpoints', async () => {
    const secrets = [cluster.secrets.adminToken, cluster.secrets.jwtSecret, ...issued];
    const personal = [...clients.map((c) => c.id!), ...userIds, 't-secret'];
    const publicAnswers = await Promise.all(
      [
        '/health',
        '/health?verbose',
        '/health/live',
        '/health/ready',
        '/metrics',
        '/metrics?format=prometheus',
        '/metrics?format=openmetrics',
        '/system/health/realtime',
      ].map(async (path) => ({ path, answer: await request(`${cluster.edge.url}${path}`) })),
    );
    for (const { path, answer } of publicAnswers) {
      expect(answer.status, path).toBe(200);
      for (const value of [...secrets, ...personal]) {
        expect(answer.text.includes(value), `${path} contains ${value.slice(0, 12)}…`).toBe(false);
      }
    }
    // The connections are there, only not who they are. The admin socket of the previous test has
    // just left: the view counts it until its node's next flush, so wait for the count to settle.
    await waitFor(async () => (await cluster.edge.metrics()).connections.total === 2, {
      timeoutMs: 10_000,
      what: 'the edge counting the two clients of this test',
    });
    for (const path of ['/metrics', '/health', '/health/ready', '/socket.io/../metrics']) {
      expect((await request(`${cluster.lb.url}${path}`)).status, `LB ${path}`).toBe(404);
    }
  });

  it('no secret or issued token appears in any process log', async () => {
    const logs = cluster.logs();
    expect(logs.length).toBeGreaterThan(0);
    for (const value of [cluster.secrets.adminToken, cluster.secrets.jwtSecret, ...issued]) {
      expect(logs.includes(value), `a log contains ${value.slice(0, 12)}…`).toBe(false);
    }
    measure('8 security', 'log bytes scanned for secrets', logs.length);
  });
});
