import { z } from 'zod';

const count = z.number().int().nonnegative();

/** How many of the cluster's largest rooms a read carries, and how many prefixes / namespaces by name. */
export const CLUSTER_TOP_ROOMS = 20;
export const AGGREGATE_LABELS = 50;
/** Longest room name the aggregates keep (nodes cut longer ones to this and end them with `…`). */
export const MAX_ROOM_NAME_LENGTH = 200;

/** One room on one node: its local size now (0: the node no longer has it). */
export interface RoomShare {
  namespace: string;
  name: string;
  size: number;
}

/**
 * What a flush changes in the cluster-wide aggregates. Values are absolute (the room's local size
 * now, the user's status here now), so a repeated flush changes nothing; the store derives the
 * cluster delta from what it holds as this node's contribution.
 */
export interface AggregateChanges {
  /** `whole`: every room and user the node has (its contribution is replaced); otherwise what changed. */
  whole: boolean;
  rooms: RoomShare[];
  /** User id → status on this node now; null: no socket of the user is here any more. */
  users: [userId: string, status: 'online' | 'away' | null][];
}

export const ClusterRoom = z.object({ namespace: z.string(), name: z.string(), size: count });
export type ClusterRoom = z.infer<typeof ClusterRoom>;

/** The cluster-wide aggregates as one read returns them: exact, whatever the number of nodes. */
export const ClusterAggregates = z.object({
  /** Distinct users: online on some node, or away on some node and online on none. */
  users: z.object({ online: count, away: count }),
  rooms: z.object({
    /** Distinct rooms (namespace + name); a room on two nodes is one room. */
    total: count,
    /** Room sizes summed over rooms and nodes. */
    members: count,
    /** Distinct rooms per prefix: the 50 largest prefixes by name, the rest under `other`. */
    byPrefix: z.record(z.string(), count),
    /** Distinct rooms and summed sizes per namespace (the 50 with most rooms). */
    byNamespace: z.record(z.string(), z.object({ rooms: count, members: count })),
    /** The largest rooms, largest first, then by namespace and name. */
    top: z.array(ClusterRoom),
  }),
});
export type ClusterAggregates = z.infer<typeof ClusterAggregates>;

export const EMPTY_AGGREGATES: ClusterAggregates = {
  users: { online: 0, away: 0 },
  rooms: { total: 0, members: 0, byPrefix: {}, byNamespace: {}, top: [] },
};
