import type { Command, CommandOutcome, RateLimit } from '@telltale/shared';
import type { Namespace } from 'socket.io';
import type { SocketTable } from './socket-table.ts';

/** The parts of the node a command may act on. */
export interface CommandHost {
  readonly sockets: SocketTable;
  namespace(name: string): Namespace | undefined;
  setMaintenance(enabled: boolean, message: string | null): void;
  setRateLimits(limits: { perSocket: RateLimit | null; perUser: RateLimit | null }): void;
}

/**
 * Runs a command against the local sockets only: a command for every node reaches each one, so
 * each acts on what it owns and the edge adds the acks up.
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
