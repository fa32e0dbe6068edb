import { NodeSummary, SocketCursorToken, SocketRecord } from '@telltale/shared';
import { Hono } from 'hono';
import { z } from 'zod';
import { RoomQuery } from '../aggregator/room-table.ts';
import type { EdgeEnv, EdgeServices } from '../context.ts';
import { adminRoute, body } from '../openapi/describe.ts';
import { fromStore, invalidCursor, noClusterView } from '../problem/index.ts';
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

const RoomPage = z.looseObject({
  items: z.array(z.object({ name: z.string(), size: z.number().int() })),
  nextCursor: z.string().nullable(),
});

/** Read-only admin views: nodes from the aggregator, connections from the store, rooms merged. */
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
        const { list, ...counts } = latest.view.nodes;
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
        summary: 'Rooms merged across nodes, largest first',
        tags: ['admin'],
        responses: { 200: { description: 'One page of rooms', content: body(RoomPage) } },
      }),
      s.admin,
      validate('query', RoomQuery),
      async (c) => {
        try {
          return c.json(await s.aggregator.rooms(c.req.valid('query')));
        } catch (err) {
          throw invalidCursor(err) ?? err;
        }
      },
    );
}
