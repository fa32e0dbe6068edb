import { describe, expect, it } from 'vitest';
import { CommandEnvelope } from '../schema/command.ts';
import { canonicalEnvelope, commandSigner } from './signing.ts';

const KEY = 'a-signing-key-of-at-least-32-characters';

/** Fields in a scrambled order, with a target and an undefined field that must not count. */
const envelope = {
  command: {
    type: 'broadcast' as const,
    namespace: '/hub',
    event: 'notice',
    room: undefined,
    data: { z: true, a: [1, null, 'x'] },
  },
  target: 'node-a',
  issuedAt: 1_700_000_000_000,
  expiresAt: 1_700_000_002_000,
  id: 'cmd-1',
  cluster: 'prod',
  actor: 'alice',
};

describe('canonicalEnvelope', () => {
  it('is the signed fields as JSON with sorted keys, without target, sig or undefined fields', () => {
    expect(canonicalEnvelope({ ...envelope, sig: 'ignored' } as never)).toBe(
      '{"actor":"alice","cluster":"prod","command":{"data":{"a":[1,null,"x"],"z":true},"event":"notice",' +
        '"namespace":"/hub","type":"broadcast"},"expiresAt":1700000002000,"id":"cmd-1","issuedAt":1700000000000}',
    );
  });
});

describe('commandSigner', () => {
  it('signs with HMAC-SHA256 over the canonical form (the value openssl computes), base64url', async () => {
    // printf '%s' '<canonical form above>' | openssl dgst -sha256 -hmac "$KEY" -binary | basenc --base64url
    expect(await commandSigner(KEY).sign(envelope)).toBe('-lpKmZ9ljgom2f0Bg6HDGriKcJafVjDXIoQSSnCTMvQ');
  });

  it('verifies what it signed after a trip through JSON and the envelope schema, whatever the target', async () => {
    const signer = commandSigner(KEY);
    const sig = await signer.sign(envelope);
    const received = CommandEnvelope.parse(JSON.parse(JSON.stringify({ ...envelope, target: '*', sig })));
    expect(await signer.verify(received)).toBe(true);
  });

  it('refuses a changed field, another key, a missing or mangled signature', async () => {
    const signer = commandSigner(KEY);
    const sig = await signer.sign(envelope);
    expect(await signer.verify({ ...envelope, sig, actor: 'mallory' })).toBe(false);
    expect(await signer.verify({ ...envelope, sig, expiresAt: envelope.expiresAt + 60_000 })).toBe(false);
    expect(await signer.verify({ ...envelope, sig, command: { type: 'disconnect-all' } })).toBe(false);
    expect(await commandSigner(`${KEY}-other`).verify({ ...envelope, sig })).toBe(false);
    expect(await signer.verify(envelope)).toBe(false);
    for (const bad of ['', 'not base64!', `${sig}A`, sig.slice(1)]) {
      expect(await signer.verify({ ...envelope, sig: bad }), bad).toBe(false);
    }
  });

  it('refuses a key shorter than 32 characters', () => {
    expect(() => commandSigner('short')).toThrow(
      'the command signing key (COMMAND_SIGNING_KEY) must be at least 32 characters long',
    );
  });
});
