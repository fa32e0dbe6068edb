import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Cluster, measure, signToken, waitFor } from './harness/index.ts';

describe('scenario 3: disconnect a socket or a user wherever it lives, through the edge', () => {
  let cluster: Cluster;
  beforeAll(async () => {
    cluster = await Cluster.start();
  });
  afterAll(async () => {
    await cluster?.stop();
  });

  it('routes a socket disconnect to its node, a user disconnect to every node, acks exact, audit names the actor', async () => {
    const victimTabs = await Promise.all(
      ['node-a', 'node-b', 'node-c'].map((nodeId) =>
        cluster.clients.connect({
          user: 'victim',
          role: 'attendant',
          namespace: '/hub',
          pinTo: cluster.cookieOf(nodeId),
        }),
      ),
    );
    const target = await cluster.clients.connect({
      user: 'bystander',
      role: 'client',
      namespace: '/portal',
      pinTo: 'node3',
    });
    const others = await Promise.all(
      [1, 2, 3].map((n) =>
        cluster.clients.connect({
          user: `calm-${n}`,
          role: 'client',
          namespace: '/portal',
          pinTo: `node${n}`,
        }),
      ),
    );
    await waitFor(async () => (await cluster.edge.connections()).length === 7, {
      timeoutMs: 5000,
      what: '7 sockets listed',
    });

    const socketAnswer = await cluster.edge.command(
      'POST',
      `/admin/disconnect/${encodeURIComponent(target.id!)}`,
    );
    expect(socketAnswer.status).toBe(200);
    expect(socketAnswer.result).toMatchObject({
      targeted: ['node-c'],
      acked: ['node-c'],
      missing: [],
      affected: 1,
      complete: true,
    });
    measure('3 disconnect', 'socket disconnect round trip ms', socketAnswer.result.durationMs);
    await waitFor(() => !target.connected, { timeoutMs: 3000, what: 'target disconnected' });
    expect(target.disconnects).toEqual(['io server disconnect']);

    const operator = await signToken(cluster.secrets.jwtSecret, { sub: 'ops-alice', role: 'admin' });
    const userAnswer = await cluster.edge.command(
      'POST',
      '/admin/users/victim/disconnect',
      undefined,
      operator,
    );
    expect(userAnswer.status).toBe(200);
    expect(userAnswer.result).toMatchObject({
      targeted: ['node-a', 'node-b', 'node-c'],
      acked: ['node-a', 'node-b', 'node-c'],
      missing: [],
      affected: 3,
      complete: true,
    });
    expect(userAnswer.result.acks.map((a) => [a.nodeId, a.affected]).sort()).toEqual([
      ['node-a', 1],
      ['node-b', 1],
      ['node-c', 1],
    ]);
    measure('3 disconnect', 'user disconnect (3 nodes) round trip ms', userAnswer.result.durationMs);
    await waitFor(() => victimTabs.every((t) => !t.connected), {
      timeoutMs: 3000,
      what: 'every victim tab disconnected',
    });
    for (const other of others) expect(other.connected).toBe(true);

    // Once every node flushed, the edge no longer lists them; unknown ids are a 404, not a hang.
    await waitFor(async () => (await cluster.edge.connections()).length === 3, {
      timeoutMs: 5000,
      what: '3 sockets left',
    });
    expect(
      (await cluster.edge.admin('POST', `/admin/disconnect/${encodeURIComponent(target.id!)}`)).status,
    ).toBe(404);
    expect((await cluster.edge.admin('POST', '/admin/users/victim/disconnect')).status).toBe(404);
    expect((await cluster.edge.admin('POST', '/admin/users/nobody-at-all/disconnect')).status).toBe(404);

    const audit = await cluster.edge.audit();
    const socketEntry = audit.find(
      (e) => 'command' in e && e.command.type === 'disconnect-socket' && e.result.affected === 1,
    );
    const userEntry = audit.find(
      (e) => 'command' in e && e.command.type === 'disconnect-user' && e.result.affected === 3,
    );
    expect(socketEntry).toMatchObject({
      actor: 'admin-token',
      target: 'node-c',
      result: { acked: 1, complete: true },
    });
    expect(userEntry).toMatchObject({
      actor: 'ops-alice',
      target: '*',
      command: { type: 'disconnect-user', userId: 'victim' },
      result: { targeted: 3, acked: 3, missing: [], complete: true },
    });
  });
});
