import { AlertmanagerFeed, AlertRule, type AlertState, type ClusterView } from '@telltale/shared';
import { describe, expect, it } from 'vitest';
import { AlertmanagerSender, alertsEndpoint } from './alertmanager.ts';

const T = Date.UTC(2025, 0, 2, 3, 4, 5);
const rule = AlertRule.parse({
  id: 'connections-any',
  metric: 'connections.total',
  comparison: '>=',
  threshold: 0,
  severity: 'warning',
});
const firing: Record<string, AlertState> = {
  [rule.id]: {
    ruleId: rule.id,
    phase: 'firing',
    severity: 'warning',
    since: T,
    value: 3,
    firedAt: T,
    resolvedAt: null,
  },
};
const view = { nodes: { list: [] } } as unknown as ClusterView;

/** Records every POST; answers with `status` (or throws when it is 0). */
function recorder(status = 200) {
  const posts: { url: string; body: unknown }[] = [];
  const fetch = (async (url: string, init: RequestInit) => {
    if (status === 0) throw new Error('connect ECONNREFUSED');
    posts.push({ url, body: JSON.parse(String(init.body)) });
    return new Response(status === 200 ? '' : 'bad alerts', { status });
  }) as unknown as typeof globalThis.fetch;
  const warnings: string[] = [];
  return { posts, fetch, warnings, logger: { warn: (m: string) => warnings.push(m), error: () => {} } };
}

describe('AlertmanagerSender', () => {
  it('posts at once when an alert starts, then again only every resend interval', async () => {
    const r = recorder();
    const feed = new AlertmanagerFeed({ cluster: 'c' });
    const sender = new AlertmanagerSender({ urls: ['http://am-1:9093', 'http://am-2:9093/'], ...r });
    for (let at = T; at <= T + 125_000; at += 5000) {
      feed.update([rule], firing, view, at);
      await sender.send(feed, at);
    }
    const times = (url: string) => r.posts.filter((p) => p.url === url).length;
    // T, T + 60 s, T + 120 s on each Alertmanager.
    expect(times('http://am-1:9093/api/v2/alerts')).toBe(3);
    expect(times('http://am-2:9093/api/v2/alerts')).toBe(3);
    expect(r.posts[0]!.body).toEqual([
      expect.objectContaining({ startsAt: '2025-01-02T03:04:05.000Z', endsAt: '2025-01-02T03:08:05.000Z' }),
    ]);
    // Resolved 10 s after the last resend: posted at once, with its end.
    feed.update([rule], {}, view, T + 130_000);
    await sender.send(feed, T + 130_000);
    expect(r.posts.slice(-2).map((p) => p.body)).toEqual([
      [expect.objectContaining({ endsAt: '2025-01-02T03:06:15.000Z' })],
      [expect.objectContaining({ endsAt: '2025-01-02T03:06:15.000Z' })],
    ]);
  });

  it('tries an Alertmanager that refused again on the next tick', async () => {
    const r = recorder(400);
    const feed = new AlertmanagerFeed({ cluster: 'c' });
    const sender = new AlertmanagerSender({ urls: ['http://am:9093'], ...r });
    feed.update([rule], firing, view, T);
    await sender.send(feed, T);
    await sender.send(feed, T + 5000);
    expect(r.posts).toHaveLength(2);
    expect(r.warnings[0]).toBe(
      'Alertmanager http://am:9093 did not take 1 alert(s) (answered HTTP 400: bad alerts); posting again next tick',
    );
  });

  it('accepts base URLs and full endpoints alike', () => {
    expect(alertsEndpoint('https://am.example.com/')).toBe('https://am.example.com/api/v2/alerts');
    expect(alertsEndpoint('https://am.example.com/api/v2/alerts/')).toBe(
      'https://am.example.com/api/v2/alerts',
    );
  });
});
