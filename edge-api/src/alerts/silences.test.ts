import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { AlertRule, TelltaleStore } from '@telltale/shared';
import { createMemoryStore } from '@telltale/shared/store/memory';
import { afterEach, describe, expect, it } from 'vitest';
import { admin, edgeConfig, flushNode, json, quietLogger, snapshotOf } from '../../test/harness.ts';
import { createInProcessAggregator, type InProcessAggregator } from '../aggregator/in-process.ts';
import { aggregatorOptions } from '../aggregator/options.ts';
import { createApp } from '../app.ts';

/** A real HTTP receiver for the webhook and Alertmanager's /api/v2/alerts; resolves waiters per post. */
class Receiver {
  readonly webhook: { alerts: { status: string; labels: Record<string, string>; startsAt: string }[] }[] = [];
  readonly alertmanager: { labels: Record<string, string> }[][] = [];
  private waiters: (() => void)[] = [];
  private server: Server | null = null;
  url = '';

  async start(): Promise<void> {
    this.server = createServer((req, res) => {
      let raw = '';
      req.on('data', (chunk) => {
        raw += chunk;
      });
      req.on('end', () => {
        if (req.url === '/api/v2/alerts') this.alertmanager.push(JSON.parse(raw));
        else this.webhook.push(JSON.parse(raw));
        res.end('ok');
        for (const wake of this.waiters.splice(0)) wake();
      });
    });
    await new Promise<void>((resolve) => this.server?.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  /** Waits until the webhook has had `count` posts. */
  async webhookPosts(count: number): Promise<void> {
    while (this.webhook.length < count) await new Promise<void>((resolve) => this.waiters.push(resolve));
  }

  stop(): Promise<void> {
    return new Promise((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }
}

const rule = (id: string, metric: string, threshold: number): AlertRule => ({
  id,
  description: `${metric} above ${threshold}`,
  metric,
  comparison: '>',
  threshold,
  forMs: 0,
  hysteresis: 0,
  severity: 'critical',
  enabled: true,
});

let receiver: Receiver;
let store: TelltaleStore;
let edges: InProcessAggregator[] = [];
afterEach(async () => {
  for (const edge of edges) await edge.stop();
  edges = [];
  await receiver?.stop();
  await store?.close();
});

function edgeAt(clock: { now: number }, env: Record<string, string> = {}) {
  const config = edgeConfig({
    ALERT_WEBHOOK_URL: `${receiver.url}/hook`,
    ALERTMANAGER_URL: receiver.url,
    PUBLIC_URL: 'https://telltale.example.com',
    ...env,
  });
  const bound = store.forCluster(config.CLUSTER_ID);
  const aggregator = createInProcessAggregator({
    ...aggregatorOptions(config, bound),
    logger: quietLogger,
    now: () => clock.now,
  });
  edges.push(aggregator);
  const app = createApp({ config, store: bound, aggregator: aggregator.client, now: () => clock.now });
  return { app, aggregator: aggregator.aggregator };
}

const post = (app: ReturnType<typeof edgeAt>['app'], path: string, body: unknown, method = 'POST') =>
  app.request(path, {
    method,
    headers: { ...admin, 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });

describe('silences', () => {
  it('send no webhook or Alertmanager post while they mute a firing alert, and the firing once they end', async () => {
    receiver = new Receiver();
    await receiver.start();
    store = createMemoryStore();
    const clock = { now: Date.now() };
    const flushAt = async (...nodes: string[]) => {
      for (const id of nodes)
        await flushNode(
          store,
          snapshotOf(id, { gauges: { connections: 9 }, node: { id, flushedAt: clock.now } }),
        );
    };
    await store
      .forCluster('default')
      .writeAlertRules([
        rule('too-many-connections', 'connections.total', 5),
        rule('sentinel', 'nodes.live', 1),
      ]);
    const { app, aggregator } = edgeAt(clock);

    const created = await post(app, '/admin/silences', {
      ruleId: 'too-many-connections',
      durationMs: 60_000,
      comment: 'load test until 10:00',
    });
    expect(created.status).toBe(201);
    const { silence } = (await json(created)) as {
      silence: { id: string; status: string; createdBy: string };
    };
    expect(silence).toMatchObject({ status: 'active', createdBy: 'admin-token' });

    await flushAt('node-a');
    await aggregator.tick();
    const firedAt = clock.now;
    clock.now += 5_000;
    await aggregator.tick();
    const report = await json(await app.request('/admin/alerts', { headers: admin }));
    expect(report.active).toEqual([
      expect.objectContaining({ ruleId: 'too-many-connections', phase: 'firing', silencedBy: silence.id }),
    ]);
    expect(report.silences).toEqual([expect.objectContaining({ id: silence.id, status: 'active' })]);

    // The sentinel: a second node fires an unsilenced rule; its webhook is the first post of all.
    await flushAt('node-a', 'node-b');
    await aggregator.tick();
    await receiver.webhookPosts(1);
    expect(receiver.webhook.map((p) => p.alerts.map((a) => a.labels.alertname))).toEqual([['sentinel']]);
    expect(receiver.alertmanager.flat().map((a) => a.labels.alertname)).toEqual(['sentinel']);

    clock.now = firedAt + 61_000;
    await flushAt('node-a', 'node-b');
    await aggregator.tick();
    await receiver.webhookPosts(2);
    expect(receiver.webhook[1]?.alerts).toEqual([
      expect.objectContaining({
        status: 'firing',
        labels: { alertname: 'too-many-connections', cluster: 'default', severity: 'critical' },
        startsAt: new Date(firedAt).toISOString(),
      }),
    ]);
    expect(
      receiver.alertmanager
        .at(-1)
        ?.map((a) => a.labels.alertname)
        .sort(),
    ).toEqual(['sentinel', 'too-many-connections']);
    const after = await json(await app.request('/admin/alerts', { headers: admin }));
    expect(after.active).toEqual(
      expect.arrayContaining([expect.objectContaining({ ruleId: 'too-many-connections', silencedBy: null })]),
    );
  });

  it('are created by matchers, expired by DELETE, refused with a problem, and kept across an edge restart', async () => {
    receiver = new Receiver();
    await receiver.start();
    store = createMemoryStore();
    const clock = { now: Date.now() };
    const first = edgeAt(clock);
    const created = await post(first.app, '/admin/silences', {
      matchers: [{ name: 'severity', value: 'warning' }],
      durationMs: 3_600_000,
      comment: 'warnings are noisy today',
    });
    const { silence } = (await json(created)) as { silence: { id: string } };

    const bad = await post(first.app, '/admin/silences', { durationMs: 1000, comment: '' });
    expect(bad.status).toBe(400);
    expect((await json(bad)).errors).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ path: 'durationMs' }),
        expect.objectContaining({ path: 'comment' }),
        expect.objectContaining({ path: 'matchers', message: 'give a ruleId or at least one matcher' }),
      ]),
    );
    expect((await post(first.app, '/admin/silences/nope', undefined, 'DELETE')).status).toBe(404);
    expect((await post(first.app, '/admin/silences/no%20pe', undefined, 'DELETE')).status).toBe(400);

    const restarted = edgeAt(clock);
    await restarted.aggregator.onStart();
    const listed = await json(await restarted.app.request('/admin/silences', { headers: admin }));
    expect(listed.silences).toEqual([
      expect.objectContaining({
        id: silence.id,
        matchers: [{ name: 'severity', value: 'warning', isEqual: true }],
        comment: 'warnings are noisy today',
        status: 'active',
      }),
    ]);

    clock.now += 1_000;
    const expired = await post(restarted.app, `/admin/silences/${silence.id}`, undefined, 'DELETE');
    expect(expired.status).toBe(200);
    expect((await json(expired)).silence).toMatchObject({
      status: 'expired',
      endsAt: clock.now,
      expiredBy: 'admin-token',
    });
    const again = await post(restarted.app, `/admin/silences/${silence.id}`, undefined, 'DELETE');
    expect(again.status).toBe(409);
    expect((await json(again)).detail).toBe(`silence '${silence.id}' already ended`);
  });
});
