import { z } from 'zod';
import type { LiveConnection, SubscriberState } from '../aggregator/runtime.ts';

/** Kept on the socket itself (serializeAttachment), so it survives the object hibernating. */
const SubscriberAttachment = z.object({ id: z.string(), paused: z.boolean() });
type SubscriberAttachment = z.infer<typeof SubscriberAttachment>;

export function newSubscriberAttachment(id: string): SubscriberAttachment {
  return { id, paused: false };
}

function attachmentOf(ws: WebSocket): SubscriberAttachment {
  const parsed = SubscriberAttachment.safeParse(ws.deserializeAttachment());
  // A socket accepted by an older deploy without an attachment gets one rather than an error.
  return parsed.success ? parsed.data : newSubscriberAttachment(crypto.randomUUID());
}

/** A hibernatable WebSocket seen as a live-feed subscriber; its state lives in the attachment. */
export function hibernatableConnection(ws: WebSocket): LiveConnection {
  return {
    get id() {
      return attachmentOf(ws).id;
    },
    send: (message) => ws.send(message),
    close: (code, reason) => ws.close(code, reason),
    get state(): SubscriberState {
      return { paused: attachmentOf(ws).paused };
    },
    setState(state) {
      ws.serializeAttachment({ ...attachmentOf(ws), ...state });
    },
  };
}
