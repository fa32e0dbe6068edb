import { describe, expect, it } from 'vitest';
import type { CommandAck, CommandEnvelope } from '../schema/command.ts';
import { CommandGate } from './gate.ts';
import { type CommandNode, parseEnvelope, respond } from './respond.ts';

const T0 = 1_700_000_000_000;
const raw = (overrides: Record<string, unknown> = {}) =>
  JSON.stringify({
    id: 'c1',
    cluster: 'prod',
    target: '*',
    actor: 'ops',
    issuedAt: T0,
    expiresAt: T0 + 2000,
    command: { type: 'disconnect-user', userId: 'u1' },
    ...overrides,
  });

/** node-a of cluster prod at T0, recording what it ran and acked. */
function nodeA(run: CommandNode['run'] = () => ({ ok: true, affected: 2 })) {
  const acks: CommandAck[] = [];
  const failures: string[] = [];
  let fail = false;
  const node: CommandNode = {
    cluster: 'prod',
    nodeId: 'node-a',
    gate: new CommandGate({ now: () => T0 }),
    store: {
      writeAck: async (ack) => {
        if (fail) throw new Error('store down');
        acks.push(ack);
      },
    },
    run,
    ackFailed: (envelope: CommandEnvelope, error) =>
      failures.push(`${envelope.id}: ${(error as Error).message}`),
    now: () => T0 + 5,
  };
  return { node, acks, failures, failAcks: () => (fail = true) };
}

describe('parseEnvelope', () => {
  it('rejects what is not a valid command, saying why', () => {
    expect(parseEnvelope('{')).toEqual({ ok: false, reason: 'not JSON' });
    expect(parseEnvelope(raw({ command: { type: 'reboot' } }))).toMatchObject({
      ok: false,
      reason: expect.stringContaining('command.type'),
    });
    expect(parseEnvelope(raw({ command: { type: 'disconnect-socket', socketId: 'a b' } }))).toMatchObject({
      ok: false,
      reason: expect.stringContaining('command.socketId'),
    });
  });

  it('rejects an envelope without an expiry, or valid for longer than the edge ever waits', () => {
    expect(parseEnvelope(raw({ expiresAt: undefined }))).toMatchObject({
      ok: false,
      reason: expect.stringContaining('expiresAt'),
    });
    expect(parseEnvelope(raw({ expiresAt: T0 + 60_001 }))).toEqual({
      ok: false,
      reason: 'expiresAt: must be after issuedAt, by at most 60000 ms',
    });
    expect(parseEnvelope(raw({ expiresAt: T0 }))).toMatchObject({ ok: false });
  });
});

describe('respond', () => {
  it('runs a command for every node or for this one, and acks what it did', async () => {
    const { node, acks } = nodeA();
    expect(await respond(raw(), node)).toMatchObject({ kind: 'ran', envelope: { id: 'c1' } });
    expect(await respond(raw({ id: 'c2', target: 'node-a' }), node)).toMatchObject({ kind: 'ran' });
    expect(acks).toEqual([
      { commandId: 'c1', nodeId: 'node-a', ok: true, affected: 2, at: T0 + 5 },
      { commandId: 'c2', nodeId: 'node-a', ok: true, affected: 2, at: T0 + 5 },
    ]);
  });

  it('acks nothing for a message that is malformed or addressed to another node or cluster', async () => {
    const { node, acks } = nodeA();
    expect(await respond('{', node)).toEqual({ kind: 'malformed', reason: 'not JSON' });
    expect(await respond(raw({ target: 'node-b' }), node)).toEqual({
      kind: 'malformed',
      reason: "for node 'node-b', not 'node-a'",
    });
    expect(await respond(raw({ cluster: 'staging' }), node)).toEqual({
      kind: 'malformed',
      reason: "for cluster 'staging', not 'prod'",
    });
    expect(acks).toEqual([]);
  });

  it('acks a refusal with its reason, and a failed run with its error', async () => {
    const { node, acks } = nodeA(() => {
      throw new Error('namespace gone');
    });
    expect(await respond(raw({ issuedAt: T0 - 10_000, expiresAt: T0 - 8000 }), node)).toMatchObject({
      kind: 'refused',
      reason: 'expired 8000 ms ago (clock-skew allowance 1000 ms)',
    });
    expect(await respond(raw({ id: 'c2' }), node)).toMatchObject({ kind: 'ran' });
    expect(acks.map((ack) => [ack.commandId, ack.ok, ack.error])).toEqual([
      ['c1', false, 'refused: expired 8000 ms ago (clock-skew allowance 1000 ms)'],
      ['c2', false, 'namespace gone'],
    ]);
  });

  it('runs an id once and does not answer its replay', async () => {
    let runs = 0;
    const { node, acks } = nodeA(() => ({ ok: true, affected: ++runs }));
    await respond(raw(), node);
    expect(await respond(raw(), node)).toMatchObject({
      kind: 'replayed',
      reason: 'replayed: this id already ran',
    });
    expect(runs).toBe(1);
    expect(acks).toHaveLength(1);
  });

  it('reports an ack the store refused', async () => {
    const { node, failures, failAcks } = nodeA();
    failAcks();
    expect(await respond(raw(), node)).toMatchObject({ kind: 'ran' });
    await Promise.resolve();
    expect(failures).toEqual(['c1: store down']);
  });
});
