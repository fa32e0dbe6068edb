import type { Command, CommandOutcome, RateLimit, SocketDetail } from '@telltale/shared';
import type { Namespace } from 'socket.io';
import type { SocketTable, TrackedSocket } from './socket-table.ts';
import type { TapRecorder } from './tap.ts';

/** The parts of the node a command may act on. */
export interface CommandHost {
  readonly sockets: SocketTable;
  namespace(name: string): Namespace | undefined;
  setMaintenance(enabled: boolean, message: string | null): void;
  setRateLimits(limits: { perSocket: RateLimit | null; perUser: RateLimit | null }): void;
  /** The socket's detail, read now (nothing of it is kept for this). */
  describe(tracked: TrackedSocket): SocketDetail;
  /** The node's live event inspector. */
  readonly taps: Pick<TapRecorder, 'start' | 'stop'>;
}

/**
 * Runs a command against the local sockets only: a command for every node reaches each one, so
 * each acts on what it owns and the edge adds the acks up. `affected` counts the sockets found:
 * 0 tells the edge this node holds none of them.
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
    case 'tap-start':
      return host.taps.start(command.tap);
    case 'tap-stop':
      return host.taps.stop(command.tapId);
    case 'maintenance':
      host.setMaintenance(command.enabled, command.message ?? null);
      return { ok: true, affected: 0 };
    case 'rate-limit':
      host.setRateLimits({ perSocket: command.perSocket, perUser: command.perUser });
      return { ok: true, affected: 0 };
    case 'socket-detail': {
      const tracked = host.sockets.get(command.socketId);
      return tracked ? { ok: true, affected: 1, socket: host.describe(tracked) } : { ok: true, affected: 0 };
    }
    case 'socket-join':
    case 'socket-leave': {
      const tracked = host.sockets.get(command.socketId);
      const joining = command.type === 'socket-join';
      return tracked ? changeRooms([tracked], command.room, joining) : { ok: true, affected: 0 };
    }
    case 'user-join':
    case 'user-leave':
      return changeRooms(host.sockets.ofUser(command.userId), command.room, command.type === 'user-join');
    case 'socket-emit': {
      const tracked = host.sockets.get(command.socketId);
      if (!tracked) return { ok: true, affected: 0 };
      if (command.data === undefined) tracked.socket.emit(command.event);
      else tracked.socket.emit(command.event, command.data);
      return { ok: true, affected: 1 };
    }
  }
}

/**
 * Joins or leaves a room; `affected` is the sockets that are now in it (join) or out of it (leave).
 * A room named after another socket's id is that socket's private room: joining it would read
 * what is sent to that socket, so it is refused.
 */
function changeRooms(sockets: TrackedSocket[], room: string, join: boolean): CommandOutcome {
  for (const tracked of sockets) {
    const { socket } = tracked;
    if (room === socket.id || socket.nsp.sockets.has(room)) {
      return {
        ok: false,
        affected: 0,
        error: `room '${room}' is a socket's own room; it cannot be joined or left`,
      };
    }
  }
  for (const { socket } of sockets) {
    if (join) void socket.join(room);
    else void socket.leave(room);
  }
  return { ok: true, affected: sockets.length };
}
