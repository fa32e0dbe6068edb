import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ClientSpec, Cluster, measure, request } from './harness/index.ts';
import { expectEdgeMatches } from './truth.ts';

describe('scenario 1 through nginx: the hash-by-cookie config keeps sessions and counts exact', () => {
  let cluster: Cluster;
  beforeAll(async () => {
    cluster = await Cluster.start({ loadBalancer: 'nginx' });
  });
  afterAll(async () => {
    await cluster?.stop();
  });

  it('sets its routing cookie on the handshake and exposes only Socket.IO', async () => {
    const handshake = await request(`${cluster.lb.url}/socket.io/?EIO=4&transport=polling`);
    expect(handshake.status).toBe(200);
    expect(handshake.headers.get('set-cookie')).toMatch(/^telltale_node=[0-9a-f]{32}; Path=\/; HttpOnly/);
    for (const path of ['/metrics', '/health', '/health/ready']) {
      expect((await request(`${cluster.lb.url}${path}`)).status, path).toBe(404);
    }
  });

  it('clients start on long-polling, upgrade, spread over the nodes, and the edge counts them exactly', async () => {
    const specs: ClientSpec[] = [];
    for (let i = 0; i < 10; i++) specs.push({ user: `nx-agent-${i}`, role: 'attendant', namespace: '/hub' });
    for (let i = 0; i < 20; i++)
      specs.push({ user: `nx-customer-${i % 15}`, role: 'client', namespace: '/portal' });
    const clients = await cluster.clients.connectMany(specs, 15);
    for (const client of clients) {
      expect(client.transports[0]).toBe('polling');
      expect(client.transport).toBe('websocket');
    }
    const rows = await expectEdgeMatches(cluster, clients);
    const nodes = new Set(rows.map((r) => r.nodeId));
    measure('nginx conservation', 'nodes used by 30 clients', nodes.size);
    expect(nodes.size).toBeGreaterThanOrEqual(2);
  });
});
