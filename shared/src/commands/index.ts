export {
  type Admission,
  CommandGate,
  type CommandGateOptions,
  DEFAULT_CLOCK_SKEW_MS,
  REPLAY_GUARD_CAPACITY,
} from './gate.ts';
export {
  type CommandSigner,
  canonicalEnvelope,
  commandSigner,
  SIGNING_KEY_MIN_LENGTH,
  type SignedFields,
} from './signing.ts';
