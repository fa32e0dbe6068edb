import { type CommandEnvelope, commandSigner, type TelltaleStore } from '@telltale/shared';
import { createMemoryStore } from '@telltale/shared/store/memory';
import { afterEach, describe, expect, it } from 'vitest';
import { type FakeNode, fakeNode, flushNode, snapshotOf } from '../../test/harness.ts';
import { dispatchCommand } from './dispatch.ts';

const CLUSTER = 'default';
let store: TelltaleStore;
let nodes: FakeNode[] = [];

afterEach(async () => {
  for (const node of nodes) await node.stop();
  nodes = [];
  await store?.close();
});

async function cluster(spec: Record<string, 'acks' | 'hung' | 'killed'>): Promise<void> {
  store = createMemoryStore();
  for (const [nodeId, state] of Object.entries(spec)) {
    await flushNode(store, snapshotOf(nodeId), []);
    // A killed node keeps its snapshot until the TTL, but nobody listens on its channel any more.
    if (state !== 'killed') nodes.push(await fakeNode(store, nodeId, { silent: state === 'hung' }));
  }
}

describe('dispatchCommand', () => {
  it('answers as soon as every node acked, and writes the audit entry', async () => {
    await cluster({ 'node-a': 'acks', 'node-b': 'acks' });
    const result = await dispatchCommand(
      { store, cluster: CLUSTER, timeoutMs: 5000 },
      { type: 'disconnect-user', userId: 'u1' },
      'ops',
    );
    expect(result).toMatchObject({
      targeted: ['node-a', 'node-b'],
      acked: ['node-a', 'node-b'],
      complete: true,
    });
    expect(result.durationMs).toBeLessThan(1000);
    const audit = await store.readAudit(CLUSTER, { limit: 5 });
    expect(audit.items).toMatchObject([{ id: result.commandId, actor: 'ops', result: { acked: 2 } }]);
  });

  it('names a killed node missing at once instead of waiting for the deadline', async () => {
    await cluster({ 'node-a': 'acks', 'node-dead': 'killed' });
    const started = Date.now();
    const result = await dispatchCommand(
      { store, cluster: CLUSTER, timeoutMs: 5000 },
      { type: 'disconnect-all' },
      'ops',
    );
    expect(Date.now() - started).toBeLessThan(1000);
    expect(result).toMatchObject({ acked: ['node-a'], missing: ['node-dead'], complete: false });
  });

  it('waits for a hung node until the deadline, then answers partially', async () => {
    await cluster({ 'node-a': 'acks', 'node-hung': 'hung' });
    const started = Date.now();
    const result = await dispatchCommand(
      { store, cluster: CLUSTER, timeoutMs: 300 },
      { type: 'disconnect-all' },
      'ops',
    );
    const elapsed = Date.now() - started;
    expect(elapsed).toBeGreaterThanOrEqual(290);
    expect(elapsed).toBeLessThan(2000);
    expect(result).toMatchObject({ acked: ['node-a'], missing: ['node-hung'], complete: false });
    expect(nodes[1]?.received.map((e: CommandEnvelope) => e.id)).toEqual([result.commandId]);
  });

  it('hands the audit write to the runtime when it can outlive the answer', async () => {
    await cluster({ 'node-a': 'acks' });
    const handed: Promise<void>[] = [];
    const result = await dispatchCommand(
      { store, cluster: CLUSTER, timeoutMs: 5000, background: (work) => handed.push(work) },
      { type: 'maintenance', enabled: true },
      'ops',
    );
    expect(handed).toHaveLength(1);
    await Promise.all(handed);
    const audit = await store.readAudit(CLUSTER, { limit: 5 });
    expect(audit.items.map((entry) => entry.id)).toEqual([result.commandId]);
  });
});

describe('dispatchCommand: the envelope nodes check', () => {
  const KEY = 'an-edge-and-node-key-of-32-chars-plus';

  it('expires at the ack deadline, so a node that gets it later refuses it', async () => {
    await cluster({ 'node-a': 'acks' });
    const result = await dispatchCommand(
      { store, cluster: CLUSTER, timeoutMs: 1500, now: () => 1_700_000_000_000 },
      { type: 'disconnect-all' },
      'ops',
    );
    expect(nodes[0]?.received[0]).toMatchObject({
      issuedAt: 1_700_000_000_000,
      expiresAt: 1_700_000_001_500,
    });
    expect(nodes[0]?.received[0]?.sig).toBeUndefined();
    // Issued long ago by the node's clock: refused with the reason, not run.
    expect(result.acks).toMatchObject([
      { nodeId: 'node-a', ok: false, error: expect.stringContaining('expired') },
    ]);
  });

  it('signs with COMMAND_SIGNING_KEY: a node with the key runs it, one with another key refuses it', async () => {
    store = createMemoryStore();
    for (const [nodeId, signingKey] of [
      ['node-a', KEY],
      ['node-b', `${KEY}-rotated`],
    ] as const) {
      await flushNode(store, snapshotOf(nodeId), []);
      nodes.push(await fakeNode(store, nodeId, { signingKey }));
    }
    const result = await dispatchCommand(
      { store, cluster: CLUSTER, timeoutMs: 2000, signer: commandSigner(KEY) },
      { type: 'disconnect-user', userId: 'u1' },
      'ops',
    );
    expect(nodes[0]?.received[0]?.sig).toMatch(/^[\w-]{43}$/);
    const byNode = [...result.acks].sort((x, y) => x.nodeId.localeCompare(y.nodeId));
    expect(byNode.map((a) => [a.nodeId, a.ok, a.error])).toEqual([
      ['node-a', true, undefined],
      ['node-b', false, "refused: bad signature: not signed with this node's COMMAND_SIGNING_KEY"],
    ]);
  });
});
