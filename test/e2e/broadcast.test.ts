import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { publishBusinessEvent } from '../../socket-node/src/chat/business-events.ts';
import { Cluster, type TestClient, waitFor } from './harness/index.ts';

describe('scenario 2: a business event from the backbone reaches every room member on every node', () => {
  let cluster: Cluster;
  let backbone: Redis;
  beforeAll(async () => {
    cluster = await Cluster.start();
    backbone = new Redis(cluster.redis.url);
  });
  afterAll(async () => {
    backbone?.disconnect();
    await cluster?.stop();
  });

  it('delivers to members wherever they are connected, once each, and to nobody else', async () => {
    const members: TestClient[] = [];
    const outsiders: TestClient[] = [];
    for (const nodeId of ['node-a', 'node-b', 'node-c']) {
      const pinTo = cluster.cookieOf(nodeId);
      members.push(
        await cluster.clients.connect({
          user: `agent-${nodeId}`,
          role: 'attendant',
          namespace: '/hub',
          pinTo,
        }),
      );
      members.push(
        await cluster.clients.connect({
          user: `customer-${nodeId}`,
          role: 'client',
          namespace: '/portal',
          threads: ['t-100'],
          pinTo,
        }),
      );
      outsiders.push(
        await cluster.clients.connect({
          user: `other-${nodeId}`,
          role: 'client',
          namespace: '/portal',
          threads: ['t-200'],
          pinTo,
        }),
      );
    }
    for (const client of members)
      expect(await client.ask('join:thread', { threadId: 't-100' })).toEqual({ ok: true });
    for (const client of outsiders)
      expect(await client.ask('join:thread', { threadId: 't-200' })).toEqual({ ok: true });

    await publishBusinessEvent(backbone, cluster.cluster, {
      event: 'thread:message',
      rooms: ['thread:t-100'],
      data: { threadId: 't-100', text: 'hello from the backbone' },
    });
    await waitFor(() => members.every((c) => c.payloads('thread:message').length === 1), {
      timeoutMs: 5000,
      what: 'every member got thread:message',
    });
    for (const client of members) {
      expect(client.payloads('thread:message')).toEqual([
        { threadId: 't-100', text: 'hello from the backbone' },
      ]);
    }
    // Addressed to a user: both of their tabs, on two different nodes.
    const tabA = await cluster.clients.connect({
      user: 'agent-two-tabs',
      role: 'attendant',
      namespace: '/hub',
      pinTo: 'node1',
    });
    const tabC = await cluster.clients.connect({
      user: 'agent-two-tabs',
      role: 'attendant',
      namespace: '/hub',
      pinTo: 'node3',
    });
    await publishBusinessEvent(backbone, cluster.cluster, {
      event: 'chat:accepted',
      user: 'agent-two-tabs',
      data: { threadId: 't-300' },
    });
    await waitFor(
      () => tabA.payloads('chat:accepted').length === 1 && tabC.payloads('chat:accepted').length === 1,
      {
        timeoutMs: 5000,
        what: 'both tabs got chat:accepted',
      },
    );

    // Scoped to /portal: the staff members of the thread are not reached.
    await publishBusinessEvent(backbone, cluster.cluster, {
      event: 'chat:ended',
      rooms: ['thread:t-100'],
      namespace: '/portal',
      data: { threadId: 't-100' },
    });
    const portalMembers = members.filter((c) => c.spec.namespace === '/portal');
    await waitFor(() => portalMembers.every((c) => c.payloads('chat:ended').length === 1), {
      timeoutMs: 5000,
      what: 'portal members got chat:ended',
    });
    // Sentinel: one more event on the same channel to every client of the test. Each node relays the
    // channel in order, so once every client has it, any stray delivery of the events above is in too.
    const everyone = [...members, ...outsiders, tabA, tabC];
    await publishBusinessEvent(backbone, cluster.cluster, {
      event: 'queue:taken',
      rooms: ['thread:t-100', 'thread:t-200', 'user:agent-two-tabs'],
      data: { threadId: 'sentinel' },
    });
    await waitFor(() => everyone.every((c) => c.payloads('queue:taken').length === 1), {
      timeoutMs: 5000,
      what: 'every client got the sentinel',
    });
    for (const client of members) expect(client.payloads('thread:message')).toHaveLength(1);
    for (const client of members.filter((c) => c.spec.namespace === '/hub'))
      expect(client.payloads('chat:ended')).toEqual([]);
    for (const client of [...outsiders, ...members]) expect(client.payloads('chat:accepted')).toEqual([]);
    for (const client of [tabA, tabC]) expect(client.payloads('chat:accepted')).toHaveLength(1);
    for (const client of outsiders)
      expect(client.received.filter((r) => r.event !== 'attendant:online')).toEqual([
        { event: 'queue:taken', args: [{ threadId: 'sentinel' }] },
      ]);

    // Every node receives each event of the channel (three and the sentinel) and counts it once.
    const counted = await waitFor(
      async () => {
        const nodes = await cluster.edge.nodes();
        return nodes.every((n) => n.counters?.businessEvents === 4) && nodes;
      },
      { timeoutMs: 5000, what: 'business events counted by every node' },
    );
    for (const node of counted) expect(node.counters?.businessEventsRejected, node.id).toBe(0);
  });

  it('a broadcast from the edge reaches room members on every node, with exact acks', async () => {
    const listeners = cluster.clients.all.filter(
      (c) => c.spec.namespace === '/portal' && c.spec.threads?.includes('t-100'),
    );
    const { status, result } = await cluster.edge.command('POST', '/admin/broadcast', {
      namespace: '/portal',
      room: 'thread:t-100',
      event: 'queue:updated',
      data: { threadId: 't-100' },
    });
    expect(status).toBe(200);
    expect(result.targeted).toEqual(['node-a', 'node-b', 'node-c']);
    expect(result.acked).toEqual(['node-a', 'node-b', 'node-c']);
    expect(result.affected).toBe(listeners.length);
    await waitFor(() => listeners.every((c) => c.payloads('queue:updated').length === 1), {
      timeoutMs: 5000,
      what: 'portal members got the edge broadcast',
    });
  });
});
