import type { CommandAuditEntry } from '../schema/audit.ts';
import {
  type Command,
  type CommandAck,
  type CommandResult,
  isSocketCommand,
  isUserCommand,
  type SocketCommand,
} from '../schema/command.ts';
import type { AckWatch, CommandAddress, EdgeStore, UnaddressedEnvelope } from '../store/port.ts';
import type { CommandSigner } from './signing.ts';

/**
 * The edge side of the command protocol:
 *   0. seal    — the envelope carries its issue time and expiry (the ack deadline: nodes refuse it
 *                after that, give or take their clock-skew allowance) and, with COMMAND_SIGNING_KEY,
 *                an HMAC the nodes verify;
 *   1. watch   — start collecting the command's acks before anything goes out, so none is missed
 *                (pushed over one shared subscription on Node, polled over Upstash REST);
 *   2. publish — one round trip finds the nodes (the socket's owner, or every live node) and
 *                publishes on each one's own channel; PUBLISH counts each node's subscribers;
 *   3. collect — wait until every reached node acked or the deadline passed; a node nobody was
 *                listening for (killed, cut off from Redis) is missing at once, not at the deadline;
 *   4. answer  — targeted / acked / missing nodes and affected sockets, partial if it must be;
 *   5. audit   — the command, the actor and the result go to the audit stream, written after the
 *                answer where the runtime lets work outlive it (`background`).
 * A node that is down costs at most the deadline; it never makes the answer hang or fail. A store
 * that is down rejects (the caller says so); everything else is a `Dispatched`.
 */

export interface DispatchOptions {
  /** Bound to the cluster the command goes to. */
  store: EdgeStore;
  /** COMMAND_TIMEOUT_MS: how long to wait for acks, and how long the command stays valid. */
  timeoutMs: number;
  /** Signs every envelope (COMMAND_SIGNING_KEY); null or absent: commands go out unsigned. */
  signer?: CommandSigner | null;
  now?: () => number;
  newId?: () => string;
  auditMaxLen?: number;
  /**
   * Keeps work the answer need not wait for (the audit write, failures already logged) alive
   * after it: Workers pass `executionCtx.waitUntil`; on Node it simply runs on.
   */
  background?: (work: Promise<void>) => void;
}

export const AUDIT_MAX_LEN = 10_000;

/** How a command went, for the caller to put in its own terms (the edge: an HTTP status). */
export type Dispatched =
  /** Every targeted node acked without error. */
  | { kind: 'complete'; result: CommandResult }
  /** Some node did not answer by the deadline, or reported an error. */
  | { kind: 'partial'; result: CommandResult }
  /** A socket or user command every targeted node answered, where none held a matching socket. */
  | { kind: 'no-effect'; result: CommandResult }
  /** A socket command for a socket no live node holds: nothing was sent. */
  | { kind: 'unknown-socket'; command: SocketCommand }
  /** No live node to send it to: nothing was sent. */
  | { kind: 'no-live-node'; command: Command };

export async function dispatchCommand(
  options: DispatchOptions,
  command: Command,
  actor: string,
): Promise<Dispatched> {
  const { store, timeoutMs } = options;
  const now = options.now ?? Date.now;
  const started = now();
  const envelope: UnaddressedEnvelope = {
    id: options.newId?.() ?? crypto.randomUUID(),
    cluster: store.cluster,
    actor,
    issuedAt: started,
    expiresAt: started + timeoutMs,
    command,
  };
  if (options.signer) envelope.sig = await options.signer.sign(envelope);

  const watch = await store.watchAcks(envelope.id);
  const delivered = await deliver(store, watch, envelope, envelope.expiresAt, now).finally(() =>
    watch.close(),
  );
  if (!delivered) {
    return isSocketCommand(command) ? { kind: 'unknown-socket', command } : { kind: 'no-live-node', command };
  }
  const { targeted, acks } = delivered;

  const acked = [...new Set(acks.map((a) => a.nodeId))].sort();
  const missing = targeted.filter((n) => !acked.includes(n));
  const result: CommandResult = {
    commandId: envelope.id,
    command,
    targeted,
    acked,
    missing,
    affected: acks.reduce((sum, a) => sum + a.affected, 0),
    acks,
    complete: missing.length === 0,
    durationMs: now() - started,
  };
  if (READS.has(command.type)) return { kind: outcomeOf(result), result };
  const target = isSocketCommand(command) ? (targeted[0] ?? '*') : '*';
  const audit = store
    .appendAudit(auditEntry(envelope, target, result), options.auditMaxLen ?? AUDIT_MAX_LEN)
    .catch((error: unknown) =>
      console.error(`[edge] writing command ${envelope.id} to the audit trail failed:`, error),
    );
  options.background?.(audit);
  return { kind: outcomeOf(result), result };
}

/** Publishes, then waits for the nodes it reached; an unreached node will never ack, so it is not waited for. */
async function deliver(
  store: EdgeStore,
  watch: AckWatch,
  envelope: UnaddressedEnvelope,
  deadline: number,
  now: () => number,
): Promise<{ targeted: string[]; acks: CommandAck[] } | null> {
  const delivery = await store.publishCommand(envelope, addressOf(envelope.command));
  if (!delivery || delivery.targeted.length === 0) return null;
  const reached = delivery.targeted.filter((nodeId) => !delivery.unreached.includes(nodeId));
  const acks = reached.length > 0 ? await watch.wait(reached, deadline - now()) : [];
  return { targeted: delivery.targeted, acks };
}

/** Commands that only read: they change nothing, so the audit trail does not record them. */
const READS: ReadonlySet<Command['type']> = new Set(['socket-detail']);

/** A socket command goes to the node that owns the socket; anything else to every live node. */
function addressOf(command: Command): CommandAddress {
  return isSocketCommand(command) ? { to: 'socket-owner', socketId: command.socketId } : { to: 'live-nodes' };
}

function auditEntry(envelope: UnaddressedEnvelope, target: string, result: CommandResult): CommandAuditEntry {
  return {
    id: envelope.id,
    at: envelope.issuedAt,
    actor: envelope.actor,
    command: envelope.command,
    target,
    result: {
      targeted: result.targeted.length,
      acked: result.acked.length,
      missing: result.missing,
      affected: result.affected,
      complete: result.complete,
    },
  };
}

/** A socket or user command that reached everyone but found no matching socket had nothing to do. */
function outcomeOf(result: CommandResult): 'complete' | 'partial' | 'no-effect' {
  if (!result.complete || !result.acks.every((a) => a.ok)) return 'partial';
  const { command } = result;
  const aimed = isSocketCommand(command) || isUserCommand(command);
  return aimed && result.affected === 0 ? 'no-effect' : 'complete';
}
