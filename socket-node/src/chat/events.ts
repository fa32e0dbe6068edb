import type { ClusterView } from '@telltale/shared';
import { z } from 'zod';

/** The event catalogue of the reference chat app: one zod schema per payload, types inferred from them. */

const Id = z
  .string()
  .min(1)
  .max(200)
  .regex(/^[\w.:@-]+$/, 'may only contain letters, digits and . : @ _ -');

export const ThreadRef = z.object({ threadId: Id });
export type ThreadRef = z.infer<typeof ThreadRef>;

/** Client → server events and their payload schemas; `null` means the event carries no payload. */
export const CLIENT_EVENTS = {
  'join:thread': ThreadRef,
  'leave:thread': ThreadRef,
  'typing:start': ThreadRef,
  'typing:stop': ThreadRef,
  heartbeat: null,
  'presence:online': null,
  'presence:away': null,
} as const;
export type ClientEventName = keyof typeof CLIENT_EVENTS;

/** Every client event may be acknowledged; a refused one gets `ok: false` and the reason. */
export type AckResponse = { ok: true } | { ok: false; error: string };
export type Ack = (response: AckResponse) => void;

export interface ClientToServerEvents {
  'join:thread': (payload: ThreadRef, ack?: Ack) => void;
  'leave:thread': (payload: ThreadRef, ack?: Ack) => void;
  'typing:start': (payload: ThreadRef, ack?: Ack) => void;
  'typing:stop': (payload: ThreadRef, ack?: Ack) => void;
  heartbeat: (ack?: Ack) => void;
  'presence:online': (ack?: Ack) => void;
  'presence:away': (ack?: Ack) => void;
}

export const ThreadTyping = z.object({ threadId: Id, userId: Id, typing: z.boolean() });
export type ThreadTyping = z.infer<typeof ThreadTyping>;

export const AttendantStatus = z.object({ userId: Id, at: z.number().int() });
export type AttendantStatus = z.infer<typeof AttendantStatus>;

/** Business events come from the backbone; they always concern a thread and may carry more. */
export const BUSINESS_EVENTS = [
  'queue:new',
  'queue:taken',
  'queue:updated',
  'thread:message',
  'chat:accepted',
  'chat:ended',
] as const;
export const BusinessEventName = z.enum(BUSINESS_EVENTS);
export type BusinessEventName = z.infer<typeof BusinessEventName>;
export const BusinessPayload = z.looseObject({ threadId: Id });
export type BusinessPayload = z.infer<typeof BusinessPayload>;

export interface ServerToClientEvents {
  'thread:typing': (payload: ThreadTyping) => void;
  'attendant:online': (payload: AttendantStatus) => void;
  'attendant:offline': (payload: AttendantStatus) => void;
  'attendant:away': (payload: AttendantStatus) => void;
  'queue:new': (payload: BusinessPayload) => void;
  'queue:taken': (payload: BusinessPayload) => void;
  'queue:updated': (payload: BusinessPayload) => void;
  'thread:message': (payload: BusinessPayload) => void;
  'chat:accepted': (payload: BusinessPayload) => void;
  'chat:ended': (payload: BusinessPayload) => void;
}

/** The /admin namespace: the cluster view on request and after every flush. */
export interface AdminClientToServerEvents {
  'metrics:request': (
    ack?: (response: { ok: true; view: ClusterView } | { ok: false; error: string }) => void,
  ) => void;
}
export interface AdminServerToClientEvents {
  'metrics:snapshot': (view: ClusterView) => void;
  'metrics:update': (view: ClusterView) => void;
}

/** Rooms a business event may address: the user, thread and presence room families, never a socket id. */
export const RoomName = z
  .string()
  .max(200)
  .regex(/^(user|thread|presence):[\w.:@-]+$/, "must be 'user:<id>', 'thread:<id>' or 'presence:<group>'");

/** What the backbone publishes on the cluster's events channel. */
export const BusinessEnvelope = z
  .object({
    event: BusinessEventName,
    rooms: z.array(RoomName).min(1).max(100).optional(),
    user: Id.optional(),
    namespace: z.enum(['/hub', '/portal']).optional(),
    data: BusinessPayload,
  })
  .refine((envelope) => envelope.rooms !== undefined || envelope.user !== undefined, {
    error: 'needs rooms or user to address',
  });
export type BusinessEnvelope = z.infer<typeof BusinessEnvelope>;

export const roomOf = {
  user: (userId: string) => `user:${userId}`,
  thread: (threadId: string) => `thread:${threadId}`,
  presence: (group: string) => `presence:${group}`,
};

/** The staff presence room: every /hub socket joins it and gets attendant:* there. */
export const ATTENDANTS_ROOM = roomOf.presence('attendants');

/** One Socket.IO server carries every namespace, so its event maps are the union of theirs. */
export type NodeClientEvents = ClientToServerEvents & AdminClientToServerEvents;
export type NodeServerEvents = ServerToClientEvents & AdminServerToClientEvents;
