import { z } from 'zod';
import type { LiveConnection, SubscriberState } from '../aggregator/runtime.ts';

/** Kept on the socket itself (serializeAttachment), so it survives the object hibernating. */
const SubscriberAttachment = z.object({ id: z.string(), paused: z.boolean() });
type SubscriberAttachment = z.infer<typeof SubscriberAttachment>;

/** Read once per socket per object lifetime: deserializing on every access costs a structured clone. */
const attachments = new WeakMap<WebSocket, SubscriberAttachment>();
const connections = new WeakMap<WebSocket, LiveConnection>();

/** Gives a socket just accepted its attachment: a fresh id, not paused. */
export function attachSubscriber(ws: WebSocket, id: string): LiveConnection {
  writeAttachment(ws, { id, paused: false });
  return hibernatableConnection(ws);
}

function writeAttachment(ws: WebSocket, attachment: SubscriberAttachment): void {
  ws.serializeAttachment(attachment);
  attachments.set(ws, attachment);
}

function attachmentOf(ws: WebSocket): SubscriberAttachment {
  const cached = attachments.get(ws);
  if (cached) return cached;
  const parsed = SubscriberAttachment.safeParse(ws.deserializeAttachment());
  if (parsed.success) {
    attachments.set(ws, parsed.data);
    return parsed.data;
  }
  // A socket accepted by an older deploy without an attachment gets one, written back so its id
  // stays the same from now on.
  const adopted = { id: crypto.randomUUID(), paused: false };
  writeAttachment(ws, adopted);
  return adopted;
}

/** A hibernatable WebSocket seen as a live-feed subscriber, the same object for the same socket. */
export function hibernatableConnection(ws: WebSocket): LiveConnection {
  let connection = connections.get(ws);
  if (!connection) {
    connection = {
      get id() {
        return attachmentOf(ws).id;
      },
      send: (message) => ws.send(message),
      close: (code, reason) => ws.close(code, reason),
      get state(): SubscriberState {
        return { paused: attachmentOf(ws).paused };
      },
      setState(state) {
        writeAttachment(ws, { ...attachmentOf(ws), ...state });
      },
    };
    connections.set(ws, connection);
  }
  return connection;
}

/** The object's feed sockets that are open: closing ones still show up in `getWebSockets()`. */
export function openConnections(sockets: WebSocket[]): LiveConnection[] {
  return sockets.filter((ws) => ws.readyState === WebSocket.READY_STATE_OPEN).map(hibernatableConnection);
}
