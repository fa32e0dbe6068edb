import { type Command, CommandEnvelope, type RateLimit } from '@telltale/shared';
import type { Namespace } from 'socket.io';
import type { SocketTable } from './socket-table.ts';

/** What executing a command did on this node; becomes the ack. */
export interface CommandOutcome {
  ok: boolean;
  affected: number;
  error?: string;
}

/** The parts of the node a command may act on. */
export interface CommandHost {
  readonly sockets: SocketTable;
  namespace(name: string): Namespace | undefined;
  setMaintenance(enabled: boolean, message: string | null): void;
  setRateLimits(limits: { perSocket: RateLimit | null; perUser: RateLimit | null }): void;
}

export type ParsedCommand =
  | { kind: 'command'; envelope: CommandEnvelope }
  | { kind: 'not-for-us' }
  | { kind: 'rejected'; reason: string };

/** Validates a raw channel message; one for another cluster or node is not ours, not an error. */
export function parseCommand(raw: string, host: { nodeId: string; cluster: string }): ParsedCommand {
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch {
    return { kind: 'rejected', reason: 'not JSON' };
  }
  const parsed = CommandEnvelope.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    return {
      kind: 'rejected',
      reason: `${issue?.path.join('.') || 'envelope'}: ${issue?.message ?? 'invalid'}`,
    };
  }
  const envelope = parsed.data;
  if (envelope.cluster !== host.cluster || (envelope.target !== '*' && envelope.target !== host.nodeId)) {
    return { kind: 'not-for-us' };
  }
  return { kind: 'command', envelope };
}

/**
 * Runs a command against the local sockets only: every node receives cluster-wide commands, so
 * each one acts on what it owns and the edge adds the acks up.
 */
export function executeCommand(command: Command, host: CommandHost): CommandOutcome {
  switch (command.type) {
    case 'disconnect-socket': {
      const tracked = host.sockets.get(command.socketId);
      if (!tracked) return { ok: true, affected: 0 };
      tracked.socket.disconnect();
      return { ok: true, affected: 1 };
    }
    case 'disconnect-user': {
      const sockets = host.sockets.ofUser(command.userId);
      for (const tracked of sockets) tracked.socket.disconnect();
      return { ok: true, affected: sockets.length };
    }
    case 'disconnect-all': {
      const sockets = [...host.sockets.all()];
      for (const tracked of sockets) tracked.socket.disconnect();
      return { ok: true, affected: sockets.length };
    }
    case 'broadcast': {
      const nsp = host.namespace(command.namespace);
      if (!nsp)
        return {
          ok: false,
          affected: 0,
          error: `namespace ${command.namespace} does not exist on this node`,
        };
      const affected = command.room ? (nsp.adapter.rooms.get(command.room)?.size ?? 0) : nsp.sockets.size;
      const target = command.room ? nsp.local.to(command.room) : nsp.local;
      try {
        if (command.data === undefined) target.emit(command.event);
        else target.emit(command.event, command.data);
      } catch (error) {
        return { ok: false, affected: 0, error: `broadcast refused: ${(error as Error).message}` };
      }
      return { ok: true, affected };
    }
    case 'maintenance':
      host.setMaintenance(command.enabled, command.message ?? null);
      return { ok: true, affected: 0 };
    case 'rate-limit':
      host.setRateLimits({ perSocket: command.perSocket, perUser: command.perUser });
      return { ok: true, affected: 0 };
  }
}
