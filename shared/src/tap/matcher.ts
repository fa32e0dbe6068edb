import type { TapFilter } from './schema.ts';

/** What a tap looks at to decide whether an event is its business. */
export interface TapSubject {
  namespace: string;
  event: string;
  socketId: string;
  userId: string | null;
  /** The socket's rooms (Socket.IO's own `socket.rooms`). */
  rooms: ReadonlySet<string>;
}

/** The filter as one predicate; every field set must match, an empty filter matches everything. */
export function tapMatcher(filter: TapFilter): (subject: TapSubject) => boolean {
  const event = filter.event === undefined ? null : eventPattern(filter.event);
  return (s) =>
    (filter.namespace === undefined || s.namespace === filter.namespace) &&
    (filter.socketId === undefined || s.socketId === filter.socketId) &&
    (filter.userId === undefined || s.userId === filter.userId) &&
    (filter.room === undefined || s.rooms.has(filter.room)) &&
    (event === null || event(s.event));
}

/** `chat:*` → a test on whole names, `*` standing for any run of characters (none included). */
export function eventPattern(pattern: string): (name: string) => boolean {
  if (!pattern.includes('*')) return (name) => name === pattern;
  const source = pattern
    .split('*')
    .map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))
    .join('.*');
  const regex = new RegExp(`^${source}$`, 's');
  return (name) => regex.test(name);
}
