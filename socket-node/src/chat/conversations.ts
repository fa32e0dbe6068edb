import type { Namespace, Socket } from 'socket.io';
import type { z } from 'zod';
import type { Instrumentation } from '../instrument/instrumentation.ts';
import { principalOf } from './auth.ts';
import {
  type AckResponse,
  ATTENDANTS_ROOM,
  CLIENT_EVENTS,
  type ClientEventName,
  type NodeClientEvents,
  type NodeServerEvents,
  roomOf,
} from './events.ts';
import type { PresenceTracker } from './presence.ts';

export type ConversationNamespace = Namespace<NodeClientEvents, NodeServerEvents>;

type Payload<E extends ClientEventName> = (typeof CLIENT_EVENTS)[E] extends z.ZodType
  ? z.infer<(typeof CLIENT_EVENTS)[E]>
  : undefined;

const OK: AckResponse = { ok: true };

/**
 * The /hub (staff) and /portal (customers) handlers of the reference chat app. Both namespaces share the thread rooms: typing in a
 * thread reaches the other participants whichever side they are on.
 */
export function mountConversations(
  hub: ConversationNamespace,
  portal: ConversationNamespace,
  deps: { instrumentation: Instrumentation; presence: PresenceTracker },
): void {
  const { instrumentation, presence } = deps;

  for (const nsp of [hub, portal]) {
    const other = nsp === hub ? portal : hub;
    nsp.on('connection', (socket) => {
      const principal = principalOf(socket);
      if (!principal) {
        socket.disconnect();
        return;
      }
      const { userId, role } = principal;
      void socket.join(roomOf.user(userId));
      if (nsp === hub) void socket.join(ATTENDANTS_ROOM);
      presence.connect(userId, socket.id, role);
      socket.on('disconnect', () => presence.disconnect(userId, socket.id));

      const handle = <E extends ClientEventName>(event: E, handler: (payload: Payload<E>) => AckResponse) => {
        (socket as unknown as Socket).on(event as string, (...args: unknown[]) => {
          const last = args[args.length - 1];
          const ack = typeof last === 'function' ? (last as (response: AckResponse) => void) : null;
          const schema = CLIENT_EVENTS[event];
          let payload: unknown;
          if (schema) {
            const parsed = schema.safeParse(args[0]);
            if (!parsed.success) {
              instrumentation.recordInvalidPayload();
              const issue = parsed.error.issues[0];
              const where = issue?.path.length ? issue.path.join('.') : 'payload';
              ack?.({
                ok: false,
                error: `invalid ${event} payload: ${where}: ${issue?.message ?? 'invalid'}`,
              });
              return;
            }
            payload = parsed.data;
          }
          // The handler runs whether or not the client asked for an ack (typing and heartbeats rarely do).
          const response = handler(payload as Payload<E>);
          ack?.(response);
        });
      };

      handle('join:thread', ({ threadId }) => {
        if (principal.threads && !principal.threads.has(threadId)) {
          return {
            ok: false,
            error: `not allowed to join thread ${threadId}: it is not in your token's threads`,
          };
        }
        void socket.join(roomOf.thread(threadId));
        return OK;
      });
      handle('leave:thread', ({ threadId }) => {
        void socket.leave(roomOf.thread(threadId));
        return OK;
      });
      const typing = (threadId: string, isTyping: boolean): AckResponse => {
        const room = roomOf.thread(threadId);
        if (!socket.rooms.has(room))
          return { ok: false, error: `join thread ${threadId} before typing in it` };
        const payload = { threadId, userId, typing: isTyping };
        socket.to(room).emit('thread:typing', payload);
        other.to(room).emit('thread:typing', payload);
        return OK;
      };
      handle('typing:start', ({ threadId }) => typing(threadId, true));
      handle('typing:stop', ({ threadId }) => typing(threadId, false));
      handle('heartbeat', () => {
        presence.heartbeat(userId, socket.id);
        return OK;
      });
      handle('presence:online', () => {
        presence.heartbeat(userId, socket.id);
        presence.choose(userId, 'online');
        return OK;
      });
      handle('presence:away', () => {
        presence.choose(userId, 'away');
        return OK;
      });
    });
  }
}
