import { NodeSummary, SocketCursorToken, SocketRecord } from '@telltale/shared';
import { Hono } from 'hono';
import { z } from 'zod';
import { RoomMembersPage, RoomMembersQuery, RoomPage, RoomQuery } from '../aggregator/room-table.ts';
import type { EdgeEnv, EdgeServices } from '../context.ts';
import { withDetail } from '../node-detail.ts';
import { adminRoute, body } from '../openapi/describe.ts';
import { fromStore, noClusterView } from '../problem/index.ts';
import { PageLimit, validate } from '../problem/request.ts';

const ConnectionsQuery = z.object({
  node: z.string().min(1).max(200).optional(),
  namespace: z.string().min(1).max(100).optional(),
  user: z.string().min(1).max(200).optional(),
  room: z.string().min(1).max(200).optional(),
  search: z.string().min(1).max(200).optional(),
  cursor: SocketCursorToken.optional(),
  limit: PageLimit,
});

const NodesPage = z.object({
  at: z.number(),
  expected: z.number().int(),
  counts: z.record(z.string(), z.number().int()),
  nodes: z.array(NodeSummary),
});

const SocketPage = z.object({ items: z.array(SocketRecord), nextCursor: z.string().nullable() });

/** Read-only admin views: nodes from the aggregator; connections and rooms from the store. */
export function adminRoutes(s: EdgeServices) {
  return new Hono<EdgeEnv>()
    .get(
      '/nodes',
      adminRoute({
        summary: 'Every node: live / stale / lost / invalid, version, uptime, last flush',
        tags: ['admin'],
        responses: { 200: { description: 'The nodes of the latest cluster view', content: body(NodesPage) } },
      }),
      s.admin,
      async (c) => {
        const latest = await s.aggregator.latest();
        if (!latest.view) throw noClusterView(latest.error);
        const { list, ...counts } = (await withDetail(latest.view, s.store)).nodes;
        return c.json({ at: latest.at, expected: s.config.EXPECTED_NODES, counts, nodes: list });
      },
    )
    .get(
      '/connections',
      adminRoute({
        summary: 'Sockets, cursor-paginated, filtered by node, namespace, user, room or search',
        tags: ['admin'],
        responses: { 200: { description: 'One page of sockets', content: body(SocketPage) } },
      }),
      s.admin,
      validate('query', ConnectionsQuery),
      async (c) => {
        const q = c.req.valid('query');
        const page = await fromStore(
          s.store.listSockets({
            nodeId: q.node,
            namespace: q.namespace,
            userId: q.user,
            room: q.room,
            search: q.search,
            cursor: q.cursor,
            limit: q.limit,
          }),
        );
        return c.json(page);
      },
    )
    .get(
      '/rooms',
      adminRoute({
        summary: 'Rooms cluster-wide (a room on two nodes is one room, its size the sum), largest first',
        description:
          'Pages over the Redis aggregates every node flush keeps: `total` counts the rooms matching the filters. With `prefix`, rooms whose name starts with it, in name order.',
        tags: ['admin'],
        responses: { 200: { description: 'One page of rooms', content: body(RoomPage) } },
      }),
      s.admin,
      validate('query', RoomQuery),
      async (c) => c.json(await fromStore(s.store.listRooms(c.req.valid('query')))),
    )
    .get(
      '/rooms/members',
      adminRoute({
        summary: "The sockets in one room, cluster-wide, from the nodes' socket index",
        tags: ['admin'],
        responses: { 200: { description: "One page of the room's sockets", content: body(RoomMembersPage) } },
      }),
      s.admin,
      validate('query', RoomMembersQuery),
      async (c) => {
        const q = c.req.valid('query');
        const page = await fromStore(
          s.store.listSockets({ namespace: q.namespace, room: q.room, cursor: q.cursor, limit: q.limit }),
        );
        return c.json(page);
      },
    );
}
