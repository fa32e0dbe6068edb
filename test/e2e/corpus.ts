/**
 * The bad-input corpus of scenario 7, generated from small lists of hostile values crossed with
 * every entry point that takes input. Every case here is invalid by construction: a valid one
 * would change the cluster (a broadcast, maintenance on), which is not what this scenario tests.
 */

export interface HttpCase {
  name: string;
  method: string;
  path: string;
  contentType?: string;
  body?: string;
}

const deepArray = (depth: number) => `${'['.repeat(depth)}${']'.repeat(depth)}`;
const deepObject = (depth: number) => `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`;

/** Bodies that are not a JSON object, or not JSON at all. */
const MALFORMED_JSON = [
  '{',
  '}',
  '{"a":',
  '{"a":1,}',
  "{'a':1}",
  '{a:1}',
  'nul',
  'undefined',
  'NaN',
  '\u0000',
  '\uFEFF{"a":1',
  '"just a string"',
  '123',
  'true',
  'null',
  '[]',
  '[1,2,3]',
  deepArray(5000),
  deepObject(2000),
  '{"a":"\\ud800"',
  '{"__proto__":',
];

/** Objects with the wrong types or out-of-range values for each body route. */
const WRONG_SHAPES: Record<string, unknown[]> = {
  'POST /admin/broadcast': [
    {},
    { namespace: 5, event: 'x' },
    { namespace: 'hub', event: 'x' },
    { namespace: '/hub', event: '' },
    { namespace: '/hub', event: 'has space' },
    { namespace: '/hub', event: 'x'.repeat(101) },
    { namespace: '/hub', event: ['x'] },
    { namespace: '/hub', event: 'x', room: '' },
    { namespace: '/hub', event: 'x', room: 'r'.repeat(201) },
    { namespace: '/hub', event: 'x', room: 7 },
    { namespace: '/../../etc', event: 'x' },
    { namespace: null, event: null },
    { namespace: '/hub', event: "x'; FLUSHALL; --" },
    { namespace: '/hub\r\nSET pwned 1', event: 'x' },
    { namespace: '/hub', event: { $ne: null } },
    { __proto__: { admin: true }, namespace: 1 },
  ],
  'POST /admin/maintenance': [
    {},
    { enabled: 'true' },
    { enabled: 1 },
    { enabled: null },
    { enabled: [] },
    { enabled: true, message: 5 },
    { enabled: false, message: 'm'.repeat(501) },
    { enabled: { toString: 'true' } },
    { message: 'no flag' },
  ],
  'PUT /admin/rate-limits': [
    {},
    { perSocket: null },
    { perUser: null },
    { perSocket: 5, perUser: null },
    { perSocket: { limit: -1, windowMs: 1000 }, perUser: null },
    { perSocket: { limit: 1.5, windowMs: 1000 }, perUser: null },
    { perSocket: { limit: 10, windowMs: 0 }, perUser: null },
    { perSocket: { limit: 1e7, windowMs: 1000 }, perUser: null },
    { perSocket: { limit: 10, windowMs: 1e10 }, perUser: null },
    { perSocket: null, perUser: { limit: '10', windowMs: '1000' } },
    { perSocket: null, perUser: { limit: 10 } },
    { perSocket: [], perUser: [] },
  ],
  'PUT /admin/alerts/rules': [
    {},
    { rules: [] },
    [{}],
    [{ id: '' }],
    [{ id: 'r1', metric: 'connections.total', comparison: '~', threshold: 1, forMs: 0, severity: 'warning' }],
    [
      {
        id: 'r1',
        metric: 'connections.total',
        comparison: '>',
        threshold: 'x',
        forMs: 0,
        severity: 'warning',
      },
    ],
    [
      {
        id: 'r1',
        metric: 'connections.total',
        comparison: '>',
        threshold: 1,
        forMs: -5,
        severity: 'warning',
      },
    ],
    [
      {
        id: 'r1',
        metric: 'connections.total',
        comparison: '>',
        threshold: 1,
        forMs: 0,
        severity: 'apocalyptic',
      },
    ],
    [
      {
        id: 'r1',
        metric: 'process.env.ADMIN_TOKEN',
        comparison: '>',
        threshold: 1,
        forMs: 0,
        severity: 'warning',
      },
    ],
    [
      {
        id: 'r1',
        metric: '__proto__.polluted',
        comparison: '>',
        threshold: 1,
        forMs: 0,
        severity: 'warning',
      },
    ],
    Array.from({ length: 101 }, (_, i) => ({
      id: `r${i}`,
      metric: 'connections.total',
      comparison: '>',
      threshold: 1,
      forMs: 0,
      severity: 'warning',
    })),
  ],
  'POST /admin/disconnect-all': [
    { reason: 5 },
    { reason: 'r'.repeat(201) },
    { reason: null },
    { reason: ['x'] },
  ],
};

const BODY_ROUTES = Object.keys(WRONG_SHAPES);

/** Ids that look like attacks on paths, Redis keys, shells, SQL or HTML. */
export const HOSTILE_IDS = [
  "' OR '1'='1",
  '"; DROP TABLE sockets; --',
  '../../etc/passwd',
  '..%2F..%2Fetc%2Fpasswd',
  '%00',
  '*',
  '?',
  '{default}',
  'telltale:{default}:nodes',
  '<script>alert(1)</script>',
  '$(reboot)',
  '`id`',
  'a'.repeat(201),
  'a'.repeat(5000),
  '\r\nSET pwned 1',
  'ユーザー',
  '😈',
  'null',
  'undefined',
  '__proto__',
  'constructor',
  'KEYS *',
  ' ',
  'id with space',
  '\\',
  '%E0%A4%A',
  'EVAL "return 1" 0',
  // A log4shell probe, assembled so it is not mistaken for a template placeholder.
  `$${'{'}jndi:ldap://x/a}`,
];

function bodyCases(): HttpCase[] {
  const cases: HttpCase[] = [];
  for (const route of BODY_ROUTES) {
    const [method, path] = route.split(' ') as [string, string];
    for (const body of MALFORMED_JSON) {
      // `[]` is a valid (empty) rule set; a deep object is a valid disconnect-all with unknown keys.
      if (route === 'PUT /admin/alerts/rules' && body === '[]') continue;
      if (route === 'POST /admin/disconnect-all' && body.startsWith('{"a":{')) continue;
      cases.push({
        name: `${route} malformed ${JSON.stringify(body.slice(0, 20))}`,
        method,
        path,
        contentType: 'application/json',
        body,
      });
    }
    for (const shape of WRONG_SHAPES[route] ?? []) {
      cases.push({
        name: `${route} wrong shape ${JSON.stringify(shape).slice(0, 60)}`,
        method,
        path,
        contentType: 'application/json',
        body: JSON.stringify(shape),
      });
    }
    for (const contentType of [
      'text/plain',
      'application/x-www-form-urlencoded',
      'application/xml',
      'multipart/form-data; boundary=x',
    ]) {
      cases.push({
        name: `${route} as ${contentType}`,
        method,
        path,
        contentType,
        body: 'enabled=true&namespace=/hub',
      });
    }
    cases.push({
      name: `${route} 70 KB`,
      method,
      path,
      contentType: 'application/json',
      body: JSON.stringify({ pad: 'x'.repeat(70_000) }),
    });
    cases.push({
      name: `${route} 2 MB`,
      method,
      path,
      contentType: 'application/json',
      body: JSON.stringify({ pad: 'x'.repeat(2_000_000) }),
    });
  }
  return cases;
}

function idCases(): HttpCase[] {
  const cases: HttpCase[] = [];
  for (const id of HOSTILE_IDS) {
    const encoded = encodeURIComponent(id);
    cases.push({
      name: `disconnect socket ${JSON.stringify(id.slice(0, 30))}`,
      method: 'POST',
      path: `/admin/disconnect/${encoded}`,
    });
    cases.push({
      name: `disconnect user ${JSON.stringify(id.slice(0, 30))}`,
      method: 'POST',
      path: `/admin/users/${encoded}/disconnect`,
    });
  }
  return cases;
}

function routeCases(): HttpCase[] {
  const unknown: [string, string][] = [
    ['POST', '/admin/explode'],
    ['POST', '/admin/commands/run'],
    ['POST', '/admin/shutdown'],
    ['POST', '/admin/eval'],
    ['DELETE', '/admin/nodes'],
    ['DELETE', '/admin/commands'],
    ['PATCH', '/admin/maintenance'],
    ['GET', '/admin/broadcast'],
    ['GET', '/admin/disconnect/abc'],
    ['PUT', '/admin/disconnect/abc'],
    ['POST', '/admin/users//disconnect'],
    ['POST', '/admin/users/a/b/disconnect'],
    ['POST', '/admin/disconnect/'],
    ['GET', '/admin/%2e%2e/%2e%2e/etc/passwd'],
    ['POST', '/admin/rate-limits'],
    ['PROPFIND', '/admin/nodes'],
    ['POST', '/health'],
    ['DELETE', '/metrics'],
  ];
  return unknown.map(([method, path]) => ({ name: `unknown ${method} ${path}`, method, path }));
}

function queryCases(): HttpCase[] {
  const cases: HttpCase[] = [];
  const add = (path: string) => cases.push({ name: `query ${path.slice(0, 80)}`, method: 'GET', path });
  for (const limit of ['-1', '0', 'abc', '1e9', '501', '2.5', '', 'NaN', 'Infinity', '[]']) {
    add(`/admin/connections?limit=${encodeURIComponent(limit)}`);
    add(`/admin/commands?limit=${encodeURIComponent(limit)}`);
  }
  for (const cursor of ['garbage', '%%%', 'eyJub3QiOiJhIGN1cnNvciJ9', '-1', 'x'.repeat(1001)]) {
    add(`/admin/connections?cursor=${encodeURIComponent(cursor)}`);
    add(`/admin/rooms?cursor=${encodeURIComponent(cursor)}`);
  }
  add(`/admin/connections?node=${'n'.repeat(201)}`);
  add(`/admin/connections?namespace=${'n'.repeat(101)}`);
  add(`/admin/connections?user=${'u'.repeat(201)}`);
  for (const format of ['xml', 'html', '../../etc/passwd', 'PROMETHEUS', '%00']) {
    add(`/metrics?format=${encodeURIComponent(format)}`);
  }
  for (const minutes of ['-5', 'abc', '100000', '1.5', '0'])
    add(`/metrics/history?minutes=${encodeURIComponent(minutes)}`);
  return cases;
}

export function httpCorpus(): HttpCase[] {
  return [...bodyCases(), ...idCases(), ...routeCases(), ...queryCases()];
}

/** Socket payloads for the client events that take `{ threadId }`: each fails validation. */
export const BAD_THREAD_PAYLOADS: unknown[] = [
  null,
  5,
  'thread-1',
  true,
  [],
  {},
  { threadId: 5 },
  { threadId: '' },
  { threadId: 't'.repeat(201) },
  { threadId: '../etc' },
  { threadId: { $ne: null } },
  { threadId: ['t-1'] },
  { threadId: 'has space' },
  { threadId: '<script>' },
  { threadId: null },
  { thread: 't-1' },
];

export const THREAD_EVENTS = ['join:thread', 'leave:thread', 'typing:start', 'typing:stop'] as const;

/** Raw messages on the business-event channel that the nodes must reject and count. */
export function badBusinessEvents(): string[] {
  const valid = { event: 'thread:message', rooms: ['thread:t-1'], data: { threadId: 't-1' } };
  const variants: unknown[] = [
    {},
    { ...valid, event: 'unknown:event' },
    { ...valid, event: '__proto__' },
    { ...valid, event: 5 },
    { event: 'thread:message', data: { threadId: 't-1' } },
    { ...valid, rooms: 'thread:t-1' },
    { ...valid, rooms: [] },
    { ...valid, rooms: ['socket-id-abc'] },
    { ...valid, rooms: ['thread:'] },
    { ...valid, rooms: ['thread:has space'] },
    { ...valid, rooms: Array.from({ length: 101 }, (_, i) => `thread:${i}`) },
    { ...valid, rooms: [5] },
    { ...valid, data: undefined },
    { ...valid, data: 'text' },
    { ...valid, data: {} },
    { ...valid, data: { threadId: '' } },
    { ...valid, data: { threadId: 7 } },
    { ...valid, rooms: undefined, user: '' },
    { ...valid, rooms: undefined, user: 'a b' },
    { ...valid, namespace: '/admin' },
    { ...valid, namespace: '/' },
    [valid],
    null,
    'thread:message',
  ];
  return [
    ...variants.map((v) => JSON.stringify(v)),
    'not json',
    '',
    '{',
    deepArray(5000),
    JSON.stringify({ ...valid, data: { threadId: 't-1', pad: 'x'.repeat(10) } }).replace(
      '"thread:message"',
      '"thread:message',
    ),
  ];
}

/** Raw messages on the cluster's command channel that every node must reject and count. */
export function badCommands(cluster: string): string[] {
  const envelope = {
    id: 'cmd-1',
    cluster,
    target: '*',
    actor: 'intruder',
    issuedAt: Date.now(),
    command: { type: 'disconnect-all' },
  };
  const variants: unknown[] = [
    {},
    { ...envelope, command: { type: 'self-destruct' } },
    { ...envelope, command: { type: 'disconnect-socket' } },
    { ...envelope, command: { type: 'disconnect-user', userId: '*' } },
    { ...envelope, command: { type: 'broadcast', namespace: 'hub', event: 'x' } },
    { ...envelope, command: { type: 'maintenance', enabled: 'yes' } },
    { ...envelope, command: { type: 'rate-limit', perSocket: { limit: -1, windowMs: 1 }, perUser: null } },
    { ...envelope, command: null },
    { ...envelope, id: '' },
    { ...envelope, id: 'x'.repeat(101) },
    { ...envelope, issuedAt: 'now' },
    { ...envelope, actor: 'a'.repeat(201) },
    { ...envelope, cluster: undefined },
    { ...envelope, target: undefined },
    null,
    [],
  ];
  return [...variants.map((v) => JSON.stringify(v)), 'not json', '', '{"id":', deepObject(3000)];
}
