import { describe, expect, it } from 'vitest';
import type { Command, CommandEnvelope } from '../schema/command.ts';
import { CommandGate } from './gate.ts';
import { commandSigner } from './signing.ts';

const KEY = 'a-signing-key-of-at-least-32-characters';
const T0 = 1_700_000_000_000;
const disconnectAll: Command = { type: 'disconnect-all' };

function envelope(id: string, issuedAt = T0, lifetimeMs = 2000): CommandEnvelope {
  return {
    id,
    cluster: 'c',
    target: '*',
    actor: 'admin-token',
    issuedAt,
    expiresAt: issuedAt + lifetimeMs,
    command: disconnectAll,
  };
}

/** A gate on a clock the test moves. */
function gateAt(
  start: number,
  options: { signingKey?: string; clockSkewMs?: number; capacity?: number } = {},
) {
  const clock = { now: start };
  return { clock, gate: new CommandGate({ ...options, now: () => clock.now }) };
}

describe('CommandGate freshness', () => {
  it('admits a command from its issue to its expiry, with the skew allowance on both sides', async () => {
    const { clock, gate } = gateAt(T0, { clockSkewMs: 500 });
    clock.now = T0 - 500;
    expect(await gate.admit(envelope('early'))).toEqual({ admitted: true });
    clock.now = T0 + 2500;
    expect(await gate.admit(envelope('late'))).toEqual({ admitted: true });
  });

  it('refuses a command past its expiry plus the allowance, and says by how much', async () => {
    const { gate } = gateAt(T0 + 2501, { clockSkewMs: 500 });
    expect(await gate.admit(envelope('stale'))).toEqual({
      admitted: false,
      ack: true,
      reason: 'expired 501 ms ago (clock-skew allowance 500 ms)',
    });
  });

  it('refuses a command issued years ago, and one issued further ahead than the allowance', async () => {
    const { gate } = gateAt(T0);
    const in2020 = Date.UTC(2020, 0, 1);
    expect(await gate.admit(envelope('old', in2020))).toMatchObject({ admitted: false, ack: true });
    expect(await gate.admit(envelope('ahead', T0 + 1001))).toEqual({
      admitted: false,
      ack: true,
      reason: "issued 1001 ms in the future by this node's clock (clock-skew allowance 1000 ms)",
    });
  });
});

describe('CommandGate replays', () => {
  it('runs an id once, even after far more than 1,000 other ids went by', async () => {
    const { gate } = gateAt(T0);
    expect(await gate.admit(envelope('first'))).toEqual({ admitted: true });
    for (let i = 0; i < 5000; i++) await gate.admit(envelope(`other-${i}`));
    expect(await gate.admit(envelope('first'))).toEqual({
      admitted: false,
      ack: false,
      reason: 'replayed: this id already ran',
    });
  });

  it('forgets an id only once its expiry has passed, when freshness refuses it anyway', async () => {
    const { clock, gate } = gateAt(T0, { clockSkewMs: 0 });
    await gate.admit(envelope('a', T0, 1000));
    clock.now = T0 + 1000;
    expect(await gate.admit(envelope('a', T0, 1000))).toMatchObject({
      reason: 'replayed: this id already ran',
    });
    clock.now = T0 + 1001;
    expect(await gate.admit(envelope('b', T0 + 1001))).toEqual({ admitted: true });
    expect(await gate.admit(envelope('a', T0, 1000))).toMatchObject({
      reason: 'expired 1 ms ago (clock-skew allowance 0 ms)',
    });
  });

  it('refuses new commands when full rather than forget one that could still run', async () => {
    const { gate } = gateAt(T0, { capacity: 2 });
    await gate.admit(envelope('a'));
    await gate.admit(envelope('b'));
    expect(await gate.admit(envelope('c'))).toMatchObject({ admitted: false, ack: true });
    expect(await gate.admit(envelope('a'))).toMatchObject({ reason: 'replayed: this id already ran' });
  });
});

describe('CommandGate with a signing key', () => {
  it('admits what the edge signed, and refuses unsigned and badly signed commands', async () => {
    const { gate } = gateAt(T0, { signingKey: KEY });
    const signer = commandSigner(KEY);
    const signed = envelope('signed');
    expect(await gate.admit({ ...signed, sig: await signer.sign(signed) })).toEqual({ admitted: true });
    expect(await gate.admit(envelope('forged'))).toEqual({
      admitted: false,
      ack: true,
      reason: 'unsigned: this node only runs commands signed with its COMMAND_SIGNING_KEY',
    });
    const other = await commandSigner(`${KEY}-other`).sign(envelope('wrong-key'));
    expect(await gate.admit({ ...envelope('wrong-key'), sig: other })).toEqual({
      admitted: false,
      ack: true,
      reason: "bad signature: not signed with this node's COMMAND_SIGNING_KEY",
    });
  });

  it('does not let a refused forgery block the real command with the same id', async () => {
    const { gate } = gateAt(T0, { signingKey: KEY });
    const real = envelope('same-id');
    await gate.admit(real);
    expect(await gate.admit({ ...real, sig: await commandSigner(KEY).sign(real) })).toEqual({
      admitted: true,
    });
  });
});
