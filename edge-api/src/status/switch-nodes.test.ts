import { afterEach, describe, expect, it } from 'vitest';
import { eventually } from '../../../socket-node/test/support/clients.ts';
import { type Edge, fakeNode, flushNode, makeEdge, snapshotOf } from '../../test/harness.ts';

let edge: Edge;
afterEach(() => edge?.stop());

describe('a maintenance window with switchNodes', () => {
  it('sends the maintenance command to every node at its start and at its end, signed, audited as the window', async () => {
    const signingKey = 'status-switch-signing-key-0123456789abcdef';
    edge = makeEdge({ env: { COMMAND_SIGNING_KEY: signingKey, COMMAND_TIMEOUT_MS: '1000' } });
    const node = await fakeNode(edge.store, 'node-a', { signingKey });
    await flushNode(edge.store, snapshotOf('node-a'));
    const actor = edge.aggregator.aggregator;
    await actor.tick();
    const added = await actor.addMaintenanceWindow(
      {
        startsAt: Date.now() - 1000,
        durationMinutes: 10,
        recurrence: 'none',
        message: 'Redis upgrade',
        switchNodes: true,
      },
      'admin-token',
    );
    if (!('window' in added)) throw new Error('window not added');
    await actor.tick();
    await eventually(() => node.received.length === 1, 5000, 'maintenance on');
    expect(node.received[0]!.command).toEqual({
      type: 'maintenance',
      enabled: true,
      message: 'Redis upgrade',
    });
    expect(node.received[0]!.actor).toBe(`maintenance-window:${added.window.id}`);
    expect(node.received[0]!.sig).toEqual(expect.any(String));

    await actor.tick();
    await actor.removeMaintenanceWindow(added.window.id);
    await actor.tick();
    await eventually(() => node.received.length === 2, 5000, 'maintenance off');
    expect(node.received.map((e) => e.command)).toEqual([
      { type: 'maintenance', enabled: true, message: 'Redis upgrade' },
      { type: 'maintenance', enabled: false },
    ]);
    const audit = await eventually(
      async () => {
        const page = await edge.store.forCluster('default').readAudit({ limit: 10 });
        return page.items.length === 2 ? page : null;
      },
      5000,
      'both commands in the audit',
    );
    const by = `maintenance-window:${added.window.id}`;
    expect(audit.items.map((e) => ('command' in e ? [e.actor, e.command.type, e.result.acked] : e))).toEqual([
      [by, 'maintenance', 1],
      [by, 'maintenance', 1],
    ]);
    await node.stop();
  });
});
