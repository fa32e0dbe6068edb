/**
 * The cross-node command protocol, top to bottom:
 *   - `timings`: every timeout and schedule (COMMAND_TIMEOUT_MS, ack TTL, ack polls, subscriptions);
 *   - the messages: a `CommandEnvelope` (edge → each addressed node's own channel, sealed with its
 *     deadline and signed), a `CommandAck` (node → the command's ack list and the ack channel),
 *     and the edge's `CommandResult`;
 *   - `dispatchCommand` (edge): seal, watch acks, publish, collect until the deadline, answer with
 *     a typed `Dispatched`, audit; partial answers are decided there;
 *   - `respond` (node): parse, `CommandGate` (signature, freshness, once per id), run via the
 *     node's `CommandNode`, ack.
 */

export { AuditEntry, CommandAuditEntry } from '../schema/audit.ts';
export {
  Command,
  CommandAck,
  CommandEnvelope,
  CommandResult,
  type CommandType,
} from '../schema/command.ts';
export { type PushedAckWatch, polledAckWatch, pushedAckWatch } from './ack-watch.ts';
export { AUDIT_MAX_LEN, type Dispatched, type DispatchOptions, dispatchCommand } from './dispatch.ts';
export {
  type Admission,
  CommandGate,
  type CommandGateOptions,
  DEFAULT_CLOCK_SKEW_MS,
  REPLAY_GUARD_CAPACITY,
} from './gate.ts';
export {
  type CommandNode,
  type CommandOutcome,
  type ParsedEnvelope,
  parseEnvelope,
  type Reply,
  respond,
} from './respond.ts';
export {
  type CommandSigner,
  canonicalEnvelope,
  commandSigner,
  SIGNING_KEY_MIN_LENGTH,
  type SignedFields,
} from './signing.ts';
export { timings } from './timings.ts';
