import { ClusterRoom, SocketCursorToken, SocketRecord } from '@telltale/shared';
import { z } from 'zod';
import { PageLimit } from '../problem/page-limit.ts';

/** `/admin/rooms`: one page over the cluster-wide room aggregates. */
export const RoomQuery = z.object({
  namespace: z.string().min(1).max(100).optional(),
  /** Rooms whose name starts with this (`thread:` matches `thread:t1`). */
  prefix: z.string().min(1).max(200).optional(),
  cursor: z.string().max(500).optional(),
  limit: PageLimit,
});
export type RoomQuery = z.infer<typeof RoomQuery>;

export const RoomPage = z.object({
  /** Largest first; in name order when filtered by prefix. */
  items: z.array(ClusterRoom),
  /** Rooms matching the filters, cluster-wide (a room on two nodes is one room). */
  total: z.number().int().nonnegative(),
  nextCursor: z.string().nullable(),
});
export type RoomPage = z.infer<typeof RoomPage>;

/** `/admin/rooms/members`: the sockets in one room, cluster-wide. */
export const RoomMembersQuery = z.object({
  namespace: z.string().min(1).max(100),
  room: z.string().min(1).max(200),
  cursor: SocketCursorToken.optional(),
  limit: PageLimit,
});
export type RoomMembersQuery = z.infer<typeof RoomMembersQuery>;

export const RoomMembersPage = z.object({
  /** The room's sockets (each with its user, node and transport); a page may be short with a cursor. */
  items: z.array(SocketRecord),
  nextCursor: z.string().nullable(),
});
