import { describe, expect, it } from 'vitest';
import { ClusterView } from '../schema/cluster.ts';
import { LatencySketch } from '../sketch/latency-sketch.ts';
import { lognormal, seededRandom } from '../sketch/random.ts';
import { sampleRecord, sampleSnapshot } from './fixtures.ts';
import { mergeSnapshots } from './merge-snapshots.ts';

const NOW = 1_700_000_060_000;
const options = { cluster: 'default', intervalMs: 5000 };

function node(id: string, overrides: Parameters<typeof sampleSnapshot>[0] = {}) {
  return sampleRecord(
    sampleSnapshot({ ...overrides, node: { id, hostname: `host-${id}`, ...overrides.node } }),
    NOW - 1000,
  );
}

describe('mergeSnapshots', () => {
  it('sums connection gauges and counters over two nodes and keeps counters per node', () => {
    const view = mergeSnapshots(
      [
        node('a', {
          gauges: { connections: 3, byNamespace: { '/hub': 1, '/portal': 2 }, byTransport: { websocket: 3 } },
          counters: { eventsIn: 40, connects: 5, errors: 1 },
        }),
        node('b', {
          gauges: {
            connections: 7,
            byNamespace: { '/portal': 6, '/admin': 1 },
            byTransport: { websocket: 5, polling: 2 },
          },
          counters: { eventsIn: 60, connects: 9, errors: 2 },
        }),
      ],
      NOW,
      options,
    );
    expect(ClusterView.parse(view)).toEqual(view);
    expect(view.connections).toMatchObject({
      total: 10,
      hub: 1,
      portal: 8,
      by_namespace: { '/hub': 1, '/portal': 8, '/admin': 1 },
      by_transport: { websocket: 8, polling: 2 },
      rate: { '1m': null },
    });
    expect(view.events.inbound.count).toBe(100);
    expect(view.errors.count).toBe(3);
    expect(view.nodes.list.map((n) => [n.id, n.state, n.counters?.connects])).toEqual([
      ['a', 'live', 5],
      ['b', 'live', 9],
    ]);
    expect(view.nodes.live).toBe(2);
  });

  it('takes rooms and distinct users from the aggregates when the read carries them', () => {
    const aggregates = {
      users: { online: 2, away: 1 },
      rooms: {
        total: 3,
        members: 10,
        byPrefix: { thread: 2, user: 1 },
        byNamespace: { '/portal': { rooms: 3, members: 10 } },
        top: [
          { namespace: '/portal', name: 'thread:9', size: 7 },
          { namespace: '/portal', name: 'thread:10', size: 2 },
          { namespace: '/portal', name: 'user:u1', size: 1 },
        ],
      },
    };
    const view = mergeSnapshots([node('a'), node('b')], NOW, { ...options, aggregates, topRooms: 2 });
    expect(view.rooms).toEqual({
      total: 3,
      by_prefix: { thread: 2, user: 1 },
      by_namespace: { '/portal': { rooms: 3, members: 10 } },
      avg_size: 10 / 3,
      largest: { namespace: '/portal', name: 'thread:9', size: 7 },
      top: aggregates.rooms.top.slice(0, 2),
      approximate: false,
    });
    expect(view.presence).toEqual({ online: 2, away: 1, stale_clients: 0 });
    expect(ClusterView.parse(view)).toEqual(view);
  });

  it("without the aggregates, sums the nodes' own counts and says approximate past one node", () => {
    const one = mergeSnapshots([node('a')], NOW, options);
    expect(one.rooms).toMatchObject({ total: 3, by_prefix: { thread: 1, user: 2 }, approximate: false });
    expect(one.rooms.by_namespace).toEqual({ '/portal': { rooms: 3, members: 4 } });
    expect(one.presence).toEqual({ online: 1, away: 1, stale_clients: 0 });
    const two = mergeSnapshots([node('a'), node('b')], NOW, options);
    expect(two.rooms).toMatchObject({ total: 6, approximate: true });
    expect(two.rooms.largest).toEqual({ namespace: '/portal', name: 'thread:1', size: 4 });
  });

  it('merges latency sketches instead of averaging percentiles', () => {
    const random = seededRandom(4);
    const fast = Array.from({ length: 900 }, lognormal(random, 2, 0.5));
    const slow = Array.from({ length: 100 }, lognormal(random, 200, 0.5));
    const view = mergeSnapshots(
      [node('a', { latencyMs: fast }), node('b', { latencyMs: slow })],
      NOW,
      options,
    );
    const exact = [...fast, ...slow].sort((x, y) => x - y);
    const p99 = exact[Math.floor(0.99 * 999)]!;
    expect(Math.abs(view.events.latency.p99! - p99) / p99).toBeLessThan(0.02);
    expect(view.events.latency.count).toBe(1000);
    expect(LatencySketch.fromJSON(view.latencySketch).count).toBe(1000);
    expect(view.windowSketch.n).toBe(1000);
  });

  it('isolates a corrupt snapshot and still merges the other nodes', () => {
    const view = mergeSnapshots(
      [node('a'), { nodeId: 'b', lastFlushAt: NOW - 1000, raw: '{"v":1,"node":' }, node('c')],
      NOW,
      options,
    );
    expect(view.connections.total).toBe(6);
    expect(view.nodes.invalid).toBe(1);
    const b = view.nodes.list.find((n) => n.id === 'b')!;
    expect(b.state).toBe('invalid');
    expect(b.error).toMatch(/^snapshot is not valid JSON: /);
    expect(b.connections).toBe(0);
  });

  it('isolates a snapshot that fails the schema and names the bad field', () => {
    const bad = JSON.parse(sampleRecord(sampleSnapshot({ node: { id: 'b' } })).raw!);
    bad.gauges.connections = -4;
    const view = mergeSnapshots(
      [node('a'), { nodeId: 'b', lastFlushAt: NOW, raw: JSON.stringify(bad) }],
      NOW,
      options,
    );
    expect(view.nodes.list.find((n) => n.id === 'b')!.error).toMatch(
      /snapshot failed validation: gauges\.connections: /,
    );
    expect(view.connections.total).toBe(3);
  });

  it('isolates a snapshot of another version, older or newer, with the reason', () => {
    const current = sampleSnapshot({ node: { id: 'b' } });
    const old = { ...current, v: 1, rooms: { byPrefix: {}, sizes: [], truncated: false } };
    const future = { ...current, v: 3, somethingNew: true };
    const view = mergeSnapshots(
      [
        node('a'),
        { nodeId: 'b', lastFlushAt: NOW, raw: JSON.stringify(old) },
        {
          nodeId: 'c',
          lastFlushAt: NOW,
          raw: JSON.stringify({ ...future, node: { ...current.node, id: 'c' } }),
        },
      ],
      NOW,
      options,
    );
    expect(view.nodes.list.filter((n) => n.state === 'invalid').map((n) => [n.id, n.error])).toEqual([
      ['b', 'snapshot version 1 is not supported (this edge reads v2)'],
      ['c', 'snapshot version 3 is not supported (this edge reads v2)'],
    ]);
    expect(view.nodes.live).toBe(1);
    expect(view.connections.total).toBe(3);
  });

  it('rejects a snapshot stored under another node id or cluster', () => {
    const view = mergeSnapshots(
      [{ ...node('a'), nodeId: 'x' }, node('b', { node: { cluster: 'staging' } })],
      NOW,
      options,
    );
    expect(view.nodes.list.map((n) => n.error)).toEqual([
      "snapshot belongs to cluster 'staging', not 'default'",
      "snapshot belongs to node 'a', not 'x'",
    ]);
  });

  it('reports a node whose hash expired as lost, without counting it, until lostForMs passes', () => {
    const lost = { nodeId: 'gone', lastFlushAt: NOW - 20_000, raw: null };
    const view = mergeSnapshots([node('a'), lost], NOW, options);
    expect(view.nodes).toMatchObject({ live: 1, lost: 1 });
    expect(view.nodes.list.find((n) => n.id === 'gone')!.state).toBe('lost');
    expect(view.connections.total).toBe(3);
    const later = mergeSnapshots([lost], NOW + 10 * 60_000, options);
    expect(later.nodes.list).toEqual([]);
  });

  it('marks a node stale after two intervals without a flush and still counts it', () => {
    const stale = { ...node('b'), lastFlushAt: NOW - 11_000 };
    const view = mergeSnapshots([node('a'), stale], NOW, options);
    expect(view.nodes).toMatchObject({ live: 1, stale: 1 });
    expect(view.connections.total).toBe(6);
  });

  it('takes redis as connected only when every counted node is, and uptime from the oldest live node', () => {
    const view = mergeSnapshots(
      [
        node('a', { infra: { uptimeSec: 100, redis: { connected: true, latencyMs: 0.5 } } }),
        node('b', { infra: { uptimeSec: 900, redis: { connected: false, latencyMs: null } } }),
      ],
      NOW,
      options,
    );
    expect(view.redis).toEqual({ connected: false, latency: 0.5, nodes_connected: 1 });
    expect(view.server.uptime).toBe(900);
    expect(view.server.memory).toEqual({ heap: 60_000_000, rss: 160_000_000 });
  });

  it('produces a valid empty view when no node exists', () => {
    const view = mergeSnapshots([], NOW, options);
    expect(ClusterView.parse(view)).toEqual(view);
    expect(view.redis.connected).toBe(false);
    expect(view.events.latency).toEqual({ count: 0, avg: null, p50: null, p95: null, p99: null, max: null });
  });
});

describe('mergeSnapshots with a bad entry deep in a list', () => {
  it('isolates the node and names the room tuple at fault', () => {
    const bad = JSON.parse(sampleRecord(sampleSnapshot({ node: { id: 'b' } })).raw!);
    bad.rooms.top[1] = ['/portal', 'user:u1', -1];
    bad.presence.online = 'u1';
    const view = mergeSnapshots(
      [node('a'), { nodeId: 'b', lastFlushAt: NOW, raw: JSON.stringify(bad) }],
      NOW,
      options,
    );
    expect(view.nodes.list.find((n) => n.id === 'b')!.error).toMatch(
      /^snapshot failed validation: rooms\.top\.1\.2: .*; presence\.online: /,
    );
    expect(view.rooms.total).toBe(3);
    expect(view.presence.online).toBe(1);
  });
});
