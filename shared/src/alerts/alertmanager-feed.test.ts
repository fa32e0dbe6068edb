import { describe, expect, it } from 'vitest';
import { sampleRecord, sampleSnapshot } from '../merge/fixtures.ts';
import { mergeSnapshots } from '../merge/merge-snapshots.ts';
import { AlertRule, type AlertState } from '../schema/alert.ts';
import type { NodeRecord } from '../store/port.ts';
import { AlertmanagerFeed } from './alertmanager-feed.ts';
import { evaluateAlerts } from './engine.ts';

const T = Date.UTC(2025, 0, 2, 3, 4, 5);
const nodeLost = AlertRule.parse({
  id: 'node-lost',
  description: 'A socket node disappeared without deregistering',
  metric: 'nodes.lost',
  comparison: '>',
  threshold: 0,
  severity: 'warning',
});
const connections = AlertRule.parse({
  id: 'connections-any',
  description: 'Anyone connected at all',
  metric: 'connections.total',
  comparison: '>=',
  threshold: 0,
  severity: 'critical',
});

/** A cluster at `at` where `lost` nodes' hashes have expired and the others flushed just now. */
function view(at: number, live: string[], lost: string[] = []) {
  const records: NodeRecord[] = [
    ...live.map((id) => sampleRecord(sampleSnapshot({ node: { id, flushedAt: at } }), at)),
    ...lost.map((id) => ({ nodeId: id, lastFlushAt: at - 10_000, raw: null })),
  ];
  return mergeSnapshots(records, at, { cluster: 'prod-eu', intervalMs: 5000 });
}

/** Drives the engine and the feed through views, one per 5 s tick, like the aggregator does. */
function drive(feed: AlertmanagerFeed, rules: AlertRule[], views: ReturnType<typeof view>[]) {
  let state: Record<string, AlertState> = {};
  views.forEach((v) => {
    state = evaluateAlerts(rules, state, v, v.generatedAt).state;
    feed.update(rules, state, v, v.generatedAt);
  });
  return state;
}

describe('AlertmanagerFeed', () => {
  const options = { cluster: 'prod-eu', generatorUrl: 'https://telltale.example.com/admin/alerts' };

  it('posts one alert per lost node, labelled with the node, valid for four resends', () => {
    const feed = new AlertmanagerFeed(options);
    drive(feed, [nodeLost], [view(T, ['a', 'b', 'c']), view(T + 5000, ['a'], ['b', 'c'])]);
    expect(feed.changedAt).toBe(T + 5000);
    expect(feed.alerts(T + 5000)).toEqual([
      {
        labels: { alertname: 'node-lost', cluster: 'prod-eu', severity: 'warning', node: 'b' },
        annotations: {
          summary: 'nodes.lost is 2 (> 0)',
          description: 'A socket node disappeared without deregistering',
        },
        startsAt: '2025-01-02T03:04:10.000Z',
        endsAt: '2025-01-02T03:08:10.000Z',
        generatorURL: 'https://telltale.example.com/admin/alerts',
      },
      expect.objectContaining({
        labels: { alertname: 'node-lost', cluster: 'prod-eu', severity: 'warning', node: 'c' },
      }),
    ]);
  });

  it('resolves the alert of a node that came back while the rule keeps firing for another', () => {
    const feed = new AlertmanagerFeed(options);
    drive(feed, [nodeLost], [view(T, ['a'], ['b', 'c']), view(T + 5000, ['a', 'b'], ['c'])]);
    const [b, c] = feed.alerts(T + 10_000);
    expect(b).toMatchObject({
      labels: { node: 'b' },
      startsAt: '2025-01-02T03:04:05.000Z',
      endsAt: '2025-01-02T03:04:10.000Z',
    });
    expect(c).toMatchObject({ labels: { node: 'c' }, endsAt: '2025-01-02T03:08:15.000Z' });
  });

  it('starts a node that joins an already firing rule at the tick it joined', () => {
    const feed = new AlertmanagerFeed(options);
    drive(feed, [nodeLost], [view(T, ['a', 'c'], ['b']), view(T + 5000, ['a'], ['b', 'c'])]);
    expect(feed.alerts(T + 5000).map((a) => [a.labels.node, a.startsAt])).toEqual([
      ['b', '2025-01-02T03:04:05.000Z'],
      ['c', '2025-01-02T03:04:10.000Z'],
    ]);
  });

  it('keeps a cluster-wide alert without a node label, from when the rule fired, and forgets it 15 min after it resolved', () => {
    const feed = new AlertmanagerFeed({ cluster: 'prod-eu' });
    const state = drive(feed, [connections], [view(T, ['a']), view(T + 5000, ['a'])]);
    expect(feed.alerts(T + 5000)).toEqual([
      {
        labels: { alertname: 'connections-any', cluster: 'prod-eu', severity: 'critical' },
        annotations: expect.objectContaining({ description: 'Anyone connected at all' }),
        startsAt: '2025-01-02T03:04:05.000Z',
        endsAt: '2025-01-02T03:08:10.000Z',
      },
    ]);
    expect(feed.changedAt).toBe(T);
    feed.update([], {}, view(T + 10_000, ['a']), T + 10_000);
    expect(feed.alerts(T + 10_000)[0]!.endsAt).toBe('2025-01-02T03:04:15.000Z');
    expect(feed.changedAt).toBe(T + 10_000);
    feed.update([], {}, view(T + 16 * 60_000, ['a']), T + 16 * 60_000);
    expect(feed.alerts(T + 16 * 60_000)).toEqual([]);
    expect(state['connections-any']?.phase).toBe('firing');
  });
});
