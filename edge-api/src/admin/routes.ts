import { SocketCursorToken } from '@telltale/shared';
import { Hono } from 'hono';
import { z } from 'zod';
import { RoomQuery } from '../aggregator/room-table.ts';
import type { EdgeEnv, EdgeServices } from '../context.ts';
import { fromStore, invalidCursor, noClusterView } from '../problem/index.ts';
import { PageLimit, readQuery } from '../problem/request.ts';

const ConnectionsQuery = z.object({
  node: z.string().min(1).max(200).optional(),
  namespace: z.string().min(1).max(100).optional(),
  user: z.string().min(1).max(200).optional(),
  room: z.string().min(1).max(200).optional(),
  search: z.string().min(1).max(200).optional(),
  cursor: SocketCursorToken.optional(),
  limit: PageLimit,
});

/** Read-only admin views: nodes from the aggregator, connections from the store, rooms merged. */
export function adminRoutes(s: EdgeServices): Hono<EdgeEnv> {
  const routes = new Hono<EdgeEnv>();

  routes.get('/nodes', s.admin, async (c) => {
    const latest = await s.aggregator.latest();
    if (!latest.view) throw noClusterView(latest.error);
    const { list, ...counts } = latest.view.nodes;
    return c.json({ at: latest.at, expected: s.config.EXPECTED_NODES, counts, nodes: list });
  });

  routes.get('/connections', s.admin, async (c) => {
    const q = readQuery(c, ConnectionsQuery);
    const page = await fromStore(
      s.store.listSockets(s.config.CLUSTER_ID, {
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
  });

  routes.get('/rooms', s.admin, async (c) => {
    const query = readQuery(c, RoomQuery);
    try {
      return c.json(await s.aggregator.rooms(query));
    } catch (err) {
      throw invalidCursor(err) ?? err;
    }
  });

  return routes;
}
