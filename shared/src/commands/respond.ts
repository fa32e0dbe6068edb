import { type Command, type CommandAck, CommandEnvelope, type SocketDetail } from '../schema/command.ts';
import type { NodeStore } from '../store/port.ts';
import type { CommandGate } from './gate.ts';
import { timings } from './timings.ts';

/** What running a command did on one node; becomes its ack. */
export interface CommandOutcome {
  ok: boolean;
  /** Sockets the command touched on this node. */
  affected: number;
  error?: string;
  /** A `socket-detail` command's answer: the socket as this node sees it. */
  socket?: SocketDetail;
}

/** The node a command arrives at: who it is, its gate, how it runs a command and where acks go. */
export interface CommandNode {
  readonly cluster: string;
  readonly nodeId: string;
  readonly gate: CommandGate;
  readonly store: Pick<NodeStore, 'writeAck'>;
  /** Runs an admitted command on this node's own sockets; a throw becomes a failed ack. */
  run(command: Command): CommandOutcome;
  /** The ack could not be written (the store is down): the edge will name this node missing. */
  ackFailed(envelope: CommandEnvelope, error: unknown): void;
  /** Default `timings.ackTtlMs`. */
  readonly ackTtlMs?: number | undefined;
  readonly now?: () => number;
}

/** What a node did with one message from its command channel. */
export type Reply =
  /** Not a command for this node; nobody can be answered. */
  | { kind: 'malformed'; reason: string }
  /** An id that already ran: its first copy was answered, so this one is not. */
  | { kind: 'replayed'; envelope: CommandEnvelope; reason: string }
  /** Refused by the gate (signature, freshness, capacity); the ack carries the reason. */
  | { kind: 'refused'; envelope: CommandEnvelope; reason: string; ack: CommandAck }
  | { kind: 'ran'; envelope: CommandEnvelope; ack: CommandAck };

export type ParsedEnvelope = { ok: true; envelope: CommandEnvelope } | { ok: false; reason: string };

/** Validates a raw channel message against the envelope schema, saying why not. */
export function parseEnvelope(raw: string): ParsedEnvelope {
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch {
    return { ok: false, reason: 'not JSON' };
  }
  const parsed = CommandEnvelope.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    return { ok: false, reason: `${issue?.path.join('.') || 'envelope'}: ${issue?.message ?? 'invalid'}` };
  }
  return { ok: true, envelope: parsed.data };
}

/**
 * The node side of the protocol, for one raw message: parse, check the address (each node's
 * channel carries only its own commands, so anything else was put there by hand), pass the gate
 * (signature, freshness, once per id), run, ack. Resolves with what it did once the ack is on its
 * way; never rejects.
 */
export async function respond(raw: string, node: CommandNode): Promise<Reply> {
  const parsed = parseEnvelope(raw);
  if (!parsed.ok) return { kind: 'malformed', reason: parsed.reason };
  const { envelope } = parsed;
  if (envelope.cluster !== node.cluster) {
    return { kind: 'malformed', reason: `for cluster '${envelope.cluster}', not '${node.cluster}'` };
  }
  if (envelope.target !== '*' && envelope.target !== node.nodeId) {
    return { kind: 'malformed', reason: `for node '${envelope.target}', not '${node.nodeId}'` };
  }
  const admission = await node.gate.admit(envelope);
  if (!admission.admitted && !admission.ack) {
    return { kind: 'replayed', envelope, reason: admission.reason };
  }
  const outcome: CommandOutcome = admission.admitted
    ? runSafely(node, envelope.command)
    : { ok: false, affected: 0, error: `refused: ${admission.reason}` };
  const ack: CommandAck = {
    commandId: envelope.id,
    nodeId: node.nodeId,
    ok: outcome.ok,
    affected: outcome.affected,
    ...(outcome.error ? { error: outcome.error } : {}),
    ...(outcome.socket ? { socket: outcome.socket } : {}),
    at: (node.now ?? Date.now)(),
  };
  node.store
    .writeAck(ack, node.ackTtlMs ?? timings.ackTtlMs)
    .catch((error: unknown) => node.ackFailed(envelope, error));
  return admission.admitted
    ? { kind: 'ran', envelope, ack }
    : { kind: 'refused', envelope, reason: admission.reason, ack };
}

function runSafely(node: CommandNode, command: Command): CommandOutcome {
  try {
    return node.run(command);
  } catch (error) {
    return { ok: false, affected: 0, error: error instanceof Error ? error.message : String(error) };
  }
}
