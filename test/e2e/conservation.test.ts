import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ClientSpec, Cluster, request, type TestClient, waitFor } from './harness/index.ts';
import { expectEdgeMatches } from './truth.ts';

describe('scenario 1: conservation through HAProxy', () => {
  let cluster: Cluster;
  beforeAll(async () => {
    cluster = await Cluster.start();
  });
  afterAll(async () => {
    await cluster?.stop();
  });

  it('long-polling only works when every request of a session reaches the same node', async () => {
    const { lb } = cluster;
    const handshake = await request(`${lb.url}/socket.io/?EIO=4&transport=polling`, {
      headers: { cookie: 'TELLTALE_NODE=node1' },
    });
    expect(handshake.status).toBe(200);
    const sid = /"sid":"([^"]+)"/.exec(handshake.text)?.[1];
    expect(sid).toBeTruthy();
    // A client's next request of the session: an engine.io noop packet, answered at once.
    const poll = (node: string) =>
      request(`${lb.url}/socket.io/?EIO=4&transport=polling&sid=${sid}`, {
        method: 'POST',
        body: '6',
        headers: { cookie: `TELLTALE_NODE=${node}`, 'content-type': 'text/plain;charset=UTF-8' },
      });
    // The same session on another node is unknown there: this is what a non-sticky LB breaks.
    expect((await poll('node2')).status).toBe(400);
    expect((await poll('node1')).status).toBe(200);
    // Without a cookie the LB inserts one, so the browser's next request comes back here.
    const fresh = await request(`${lb.url}/socket.io/?EIO=4&transport=polling`);
    expect(fresh.headers.get('set-cookie')).toMatch(/^TELLTALE_NODE=node[123]/);
  });

  it('edge counts equal what the clients see, per namespace, with distinct presence users', async () => {
    const specs: ClientSpec[] = [];
    for (let i = 0; i < 12; i++) specs.push({ user: `agent-${i}`, role: 'attendant', namespace: '/hub' });
    for (let i = 0; i < 30; i++) specs.push({ user: `customer-${i}`, role: 'client', namespace: '/portal' });
    const spread = await cluster.clients.connectMany(specs, 20);

    // Users with two tabs, each tab pinned to a different node.
    const twins: TestClient[] = [];
    for (let i = 0; i < 4; i++) {
      const user = `twin-${i}`;
      const namespace = i % 2 === 0 ? '/hub' : '/portal';
      const role = namespace === '/hub' ? 'attendant' : 'client';
      twins.push(await cluster.clients.connect({ user, role, namespace, pinTo: cluster.cookieOf('node-a') }));
      twins.push(await cluster.clients.connect({ user, role, namespace, pinTo: cluster.cookieOf('node-b') }));
    }
    const clients = [...spread, ...twins];

    for (const client of clients) {
      expect(client.transports[0], `${client.spec.user} started on`).toBe('polling');
      expect(client.transport, `${client.spec.user} upgraded to`).toBe('websocket');
    }

    const rows = await expectEdgeMatches(cluster, clients);
    const nodeOf = new Map(rows.map((row) => [row.id, row.nodeId]));
    const perNode = new Map<string, number>();
    for (const client of spread)
      perNode.set(nodeOf.get(client.id ?? '')!, (perNode.get(nodeOf.get(client.id ?? '')!) ?? 0) + 1);
    expect([...perNode.keys()].sort(), 'the LB spread clients over every node').toEqual([
      'node-a',
      'node-b',
      'node-c',
    ]);
    for (let i = 0; i < twins.length; i += 2) {
      expect(nodeOf.get(twins[i]!.id!)).toBe('node-a');
      expect(nodeOf.get(twins[i + 1]!.id!)).toBe('node-b');
    }

    // Close one tab of each twin and a third of the others: counts follow exactly.
    const leaving = [...twins.filter((_, i) => i % 2 === 1), ...spread.filter((_, i) => i % 3 === 0)];
    for (const client of leaving) cluster.clients.release(client);
    const staying = clients.filter((c) => !leaving.includes(c));
    // Presence keeps a user who left for the grace period (60 s): a quick reconnect is not a flap.
    await expectEdgeMatches(cluster, staying, {
      presentUsers: new Set(clients.map((c) => c.spec.user)).size,
    });
    await waitFor(async () => (await cluster.edge.metrics()).connections.total === staying.length, {
      timeoutMs: 5000,
      what: 'total after leaving',
    });
  });
});
