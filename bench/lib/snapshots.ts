import type { AggregateChanges, NodeSnapshot, RoomShare } from '@telltale/shared';
import { sampleSnapshot } from '@telltale/shared/testing';
import { summarize } from '../../socket-node/src/instrument/rooms.ts';

/** A realistic node: its snapshot and the rooms and users its first (whole) flush gives the aggregates. */
export interface RealisticNode {
  snapshot: NodeSnapshot;
  changes: AggregateChanges;
}

/** `realisticNode`'s snapshot alone. */
export function realisticSnapshot(
  cluster: string,
  index: number,
  connections: number,
  now: number,
): NodeSnapshot {
  return realisticNode(cluster, index, connections, now).snapshot;
}

/**
 * A node shaped like what `instrument(io)` flushes for a node holding `connections` sockets of the
 * reference app: distinct users, one `user:` room per user, one `thread:` room per 5 users, presence,
 * a few dozen event types and a well-filled latency sketch. Deterministic for a given index.
 */
export function realisticNode(
  cluster: string,
  index: number,
  connections: number,
  now: number,
): RealisticNode {
  let seed = index * 7919 + 17;
  const random = () => {
    seed = (seed * 1103515245 + 12345) % 2147483648;
    return seed / 2147483648;
  };
  const users = Array.from({ length: connections }, (_, k) => `u${index}-${k}`);
  const threads = Math.max(1, Math.floor(connections / 5));
  const sizes: [string, number][] = [
    ...Array.from({ length: threads }, (_, k): [string, number] => [`thread:${index * 13 + k}`, 2 + (k % 4)]),
    ['presence:attendants', Math.ceil(connections / 10)],
    ['presence:clients', Math.floor(connections * 0.9)],
    ...users.map((u): [string, number] => [`user:${u}`, 1]),
  ];
  const rooms: RoomShare[] = sizes.map(([name, size]) => ({ namespace: '/portal', name, size }));
  const online = users.slice(0, Math.floor(connections * 0.8));
  const away = users.slice(Math.floor(connections * 0.8), Math.floor(connections * 0.9));
  const eventTypes = [
    'heartbeat',
    'typing:start',
    'typing:stop',
    'thread:message',
    'join:thread',
    'leave:thread',
  ];
  for (let k = eventTypes.length; k < 20; k++) eventTypes.push(`app:event-${k}`);
  const inByType = Object.fromEntries(eventTypes.map((t) => [t, Math.floor(random() * 1e6)]));
  const outByType = Object.fromEntries(eventTypes.slice(0, 12).map((t) => [t, Math.floor(random() * 2e6)]));
  const latencyMs = Array.from({ length: 1000 }, () => Math.exp(random() * 6 - 2));
  const hub = Math.floor(connections / 10);
  const snapshot = sampleSnapshot({
    node: {
      id: `node-${index}`,
      cluster,
      hostname: `host-${index}`,
      pid: 1000 + index,
      startedAt: now - 3_600_000,
      flushedAt: now,
    },
    gauges: {
      connections,
      byNamespace: { '/hub': hub, '/portal': connections - hub, '/admin': 0 },
      byTransport: { websocket: connections - 2, polling: 2 },
    },
    counters: {
      connects: connections * 3,
      disconnects: connections * 2,
      disconnectReasons: {
        'transport close': connections,
        'client namespace disconnect': Math.floor(connections / 2),
        'ping timeout': Math.floor(connections / 4),
        'server namespace disconnect': 3,
        'transport error': Math.max(0, Math.floor(connections / 4) - 3),
      },
      eventsIn: Object.values(inByType).reduce((a, b) => a + b, 0),
      eventsOut: Object.values(outByType).reduce((a, b) => a + b, 0),
      eventsInByType: inByType,
      eventsOutByType: outByType,
      errors: 12,
      authFailures: 4,
      rateLimited: 30,
    },
    latencyMs,
    rooms: summarize(rooms),
    presence: { online: online.length, away: away.length, staleClients: 1 },
  });
  const changes: AggregateChanges = {
    whole: true,
    rooms,
    users: [
      ...online.map((u): [string, 'online'] => [u, 'online']),
      ...away.map((u): [string, 'away'] => [u, 'away']),
    ],
  };
  return { snapshot, changes };
}
