import { afterEach, describe, expect, it } from 'vitest';
import type { CommandEnvelope, CommandResult } from '../schema/command.ts';
import { createMemoryStore } from '../store/memory.ts';
import type { TelltaleStore } from '../store/port.ts';
import { sampleSnapshot } from '../testing.ts';
import { type Dispatched, dispatchCommand } from './dispatch.ts';
import { CommandGate } from './gate.ts';
import { parseEnvelope, respond } from './respond.ts';
import { commandSigner } from './signing.ts';

const CLUSTER = 'default';
let store: TelltaleStore;
let nodes: { received: CommandEnvelope[]; stop: () => Promise<void> }[] = [];

afterEach(async () => {
  for (const node of nodes) await node.stop();
  nodes = [];
  await store?.close();
});

async function flush(nodeId: string): Promise<void> {
  const snapshot = sampleSnapshot({ node: { id: nodeId, flushedAt: Date.now(), intervalMs: 1000 } });
  await store.forCluster(CLUSTER).flush({ snapshot, sockets: { upsert: [], remove: [] }, ttlMs: 30_000 });
}

/** A node on its command channel that answers with `respond`, touching one socket per command. */
async function node(nodeId: string, options: { silent?: boolean; signingKey?: string } = {}) {
  const received: CommandEnvelope[] = [];
  const gate = new CommandGate({ signingKey: options.signingKey ?? null });
  const stop = await store.forCluster(CLUSTER).subscribeCommands(nodeId, async (raw) => {
    const parsed = parseEnvelope(raw);
    if (parsed.ok) received.push(parsed.envelope);
    if (options.silent) return;
    await respond(raw, {
      cluster: CLUSTER,
      nodeId,
      gate,
      store: store.forCluster(CLUSTER),
      run: () => ({ ok: true, affected: 1 }),
      ackFailed: () => {},
    });
  });
  nodes.push({ received, stop });
}

async function cluster(spec: Record<string, 'acks' | 'hung' | 'killed'>): Promise<void> {
  store = createMemoryStore();
  for (const [nodeId, state] of Object.entries(spec)) {
    await flush(nodeId);
    // A killed node keeps its snapshot until the TTL, but nobody listens on its channel any more.
    if (state !== 'killed') await node(nodeId, { silent: state === 'hung' });
  }
}

function resultOf(dispatched: Dispatched): CommandResult {
  if (!('result' in dispatched)) throw new Error(`no result: ${dispatched.kind}`);
  return dispatched.result;
}

describe('dispatchCommand', () => {
  it('answers as soon as every node acked, and writes the audit entry', async () => {
    await cluster({ 'node-a': 'acks', 'node-b': 'acks' });
    const result = resultOf(
      await dispatchCommand(
        { store: store.forCluster(CLUSTER), timeoutMs: 5000 },
        { type: 'disconnect-user', userId: 'u1' },
        'ops',
      ),
    );
    expect(result).toMatchObject({
      targeted: ['node-a', 'node-b'],
      acked: ['node-a', 'node-b'],
      complete: true,
    });
    expect(result.durationMs).toBeLessThan(1000);
    const audit = await store.forCluster(CLUSTER).readAudit({ limit: 5 });
    expect(audit.items).toMatchObject([{ id: result.commandId, actor: 'ops', result: { acked: 2 } }]);
  });

  it('names a killed node missing at once instead of waiting for the deadline', async () => {
    await cluster({ 'node-a': 'acks', 'node-dead': 'killed' });
    const started = Date.now();
    const result = resultOf(
      await dispatchCommand(
        { store: store.forCluster(CLUSTER), timeoutMs: 5000 },
        { type: 'disconnect-all' },
        'ops',
      ),
    );
    expect(Date.now() - started).toBeLessThan(1000);
    expect(result).toMatchObject({ acked: ['node-a'], missing: ['node-dead'], complete: false });
  });

  it('waits for a hung node until the deadline, then answers partially', async () => {
    await cluster({ 'node-a': 'acks', 'node-hung': 'hung' });
    const started = Date.now();
    const result = resultOf(
      await dispatchCommand(
        { store: store.forCluster(CLUSTER), timeoutMs: 300 },
        { type: 'disconnect-all' },
        'ops',
      ),
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
    const result = resultOf(
      await dispatchCommand(
        { store: store.forCluster(CLUSTER), timeoutMs: 5000, background: (work) => handed.push(work) },
        { type: 'maintenance', enabled: true },
        'ops',
      ),
    );
    expect(handed).toHaveLength(1);
    await Promise.all(handed);
    const audit = await store.forCluster(CLUSTER).readAudit({ limit: 5 });
    expect(audit.items.map((entry) => entry.id)).toEqual([result.commandId]);
  });
});

describe('dispatchCommand: the envelope nodes check', () => {
  const KEY = 'an-edge-and-node-key-of-32-chars-plus';

  it('expires at the ack deadline, so a node that gets it later refuses it', async () => {
    await cluster({ 'node-a': 'acks' });
    const result = resultOf(
      await dispatchCommand(
        { store: store.forCluster(CLUSTER), timeoutMs: 1500, now: () => 1_700_000_000_000 },
        { type: 'disconnect-all' },
        'ops',
      ),
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
      await flush(nodeId);
      await node(nodeId, { signingKey });
    }
    const result = resultOf(
      await dispatchCommand(
        { store: store.forCluster(CLUSTER), timeoutMs: 2000, signer: commandSigner(KEY) },
        { type: 'disconnect-user', userId: 'u1' },
        'ops',
      ),
    );
    expect(nodes[0]?.received[0]?.sig).toMatch(/^[\w-]{43}$/);
    const byNode = [...result.acks].sort((x, y) => x.nodeId.localeCompare(y.nodeId));
    expect(byNode.map((a) => [a.nodeId, a.ok, a.error])).toEqual([
      ['node-a', true, undefined],
      ['node-b', false, "refused: bad signature: not signed with this node's COMMAND_SIGNING_KEY"],
    ]);
  });
});

describe('dispatchCommand: how it went', () => {
  it('is complete when every node acked cleanly, partial when one did not answer', async () => {
    await cluster({ 'node-a': 'acks' });
    const options = { store: store.forCluster(CLUSTER), timeoutMs: 2000 };
    expect((await dispatchCommand(options, { type: 'maintenance', enabled: true }, 'ops')).kind).toBe(
      'complete',
    );
    await flush('node-dead');
    expect((await dispatchCommand(options, { type: 'maintenance', enabled: true }, 'ops')).kind).toBe(
      'partial',
    );
  });

  it('says so when a disconnect reached every node and none had the socket', async () => {
    store = createMemoryStore();
    await flush('node-a');
    const gate = new CommandGate();
    nodes.push({
      received: [],
      stop: await store.forCluster(CLUSTER).subscribeCommands('node-a', async (raw) => {
        await respond(raw, {
          cluster: CLUSTER,
          nodeId: 'node-a',
          gate,
          store: store.forCluster(CLUSTER),
          run: () => ({ ok: true, affected: 0 }),
          ackFailed: () => {},
        });
      }),
    });
    const dispatched = await dispatchCommand(
      { store: store.forCluster(CLUSTER), timeoutMs: 2000 },
      { type: 'disconnect-user', userId: 'nobody' },
      'ops',
    );
    expect(dispatched).toMatchObject({ kind: 'no-effect', result: { acked: ['node-a'], affected: 0 } });
  });

  it('sends nothing for a socket no node holds, nor when no node is live', async () => {
    await cluster({});
    const options = { store: store.forCluster(CLUSTER), timeoutMs: 2000 };
    const socket = { type: 'disconnect-socket', socketId: 'sock-1' } as const;
    expect(await dispatchCommand(options, socket, 'ops')).toEqual({
      kind: 'unknown-socket',
      command: socket,
    });
    expect(await dispatchCommand(options, { type: 'disconnect-all' }, 'ops')).toEqual({
      kind: 'no-live-node',
      command: { type: 'disconnect-all' },
    });
    expect((await store.forCluster(CLUSTER).readAudit({ limit: 5 })).items).toEqual([]);
  });
});
