import { AlertRule, ConfigError } from '@telltale/shared';
import { createMemoryStore } from '@telltale/shared/store/memory';
import { describe, expect, it } from 'vitest';
import { edgeConfig, flushNode, quietLogger, snapshotOf } from '../../test/harness.ts';
import { createInProcessAggregator } from './in-process.ts';
import { aggregatorOptions } from './options.ts';

const crowded = AlertRule.parse({
  id: 'crowded',
  metric: 'connections.total',
  comparison: '>',
  threshold: 5,
  severity: 'warning',
});

/**
 * The aggregator exactly as the Durable Object builds it (from the config alone, no Node fallback),
 * one tick over a firing rule; returns what reached the webhook and the Alertmanager.
 */
async function firstAlerts(env: Record<string, string>) {
  const memory = createMemoryStore();
  const posts = new Map<string, unknown>();
  const fetcher = (async (url: string, init: RequestInit) => {
    posts.set(new URL(url).pathname, JSON.parse(String(init.body)));
    return new Response(null, { status: 200 });
  }) as unknown as typeof fetch;
  const config = edgeConfig({
    ALERT_WEBHOOK_URL: 'http://hooks.internal/telltale',
    ALERTMANAGER_URL: 'http://am.internal:9093',
    ...env,
  });
  const { aggregator } = createInProcessAggregator({
    ...aggregatorOptions(config, memory.forCluster(config.CLUSTER_ID)),
    fetch: fetcher,
    logger: quietLogger,
  });
  await aggregator.setRules([crowded]);
  await flushNode(memory, snapshotOf('node-a', { gauges: { connections: 9 } }));
  await aggregator.tick();
  return {
    webhook: posts.get('/telltale') as { externalURL: string; alerts: { generatorURL: string }[] },
    alertmanager: posts.get('/api/v2/alerts') as { generatorURL?: string }[],
  };
}

describe('edge config → aggregator', () => {
  it('takes PUBLIC_URL for links and every ALERTMANAGER_URL', () => {
    const options = aggregatorOptions(
      edgeConfig({
        PUBLIC_URL: 'https://telltale.example.com/',
        ALERTMANAGER_URL: 'http://am-1:9093, http://am-2:9093/',
      }),
      createMemoryStore().forCluster('default'),
    );
    expect(options.externalUrl).toBe('https://telltale.example.com');
    expect(options.alertmanagerUrls).toEqual(['http://am-1:9093', 'http://am-2:9093/']);
  });

  it('names a bad ALERTMANAGER_URL or PUBLIC_URL', () => {
    expect(() => edgeConfig({ ALERTMANAGER_URL: 'http://am-1:9093,am-2:9093' })).toThrow(
      "ALERTMANAGER_URL must be one or more comma-separated https:// or http:// URLs: got 'am-2:9093'",
    );
    expect(() => edgeConfig({ PUBLIC_URL: 'telltale.example.com' })).toThrow(ConfigError);
  });

  it('links every alert to PUBLIC_URL, on Workers as on Node', async () => {
    const { webhook, alertmanager } = await firstAlerts({ PUBLIC_URL: 'https://telltale.example.com' });
    expect(webhook.externalURL).toBe('https://telltale.example.com');
    expect(webhook.alerts[0]!.generatorURL).toBe('https://telltale.example.com/admin/alerts');
    expect(alertmanager[0]!.generatorURL).toBe('https://telltale.example.com/admin/alerts');
  });

  it('sends no localhost link when PUBLIC_URL is unset, and says why', async () => {
    quietLogger.lines.length = 0;
    const { webhook, alertmanager } = await firstAlerts({});
    expect(JSON.stringify([webhook, alertmanager])).not.toContain('localhost');
    expect(webhook.externalURL).toBe('');
    expect(alertmanager[0]).not.toHaveProperty('generatorURL');
    expect(quietLogger.lines).toContain(
      'PUBLIC_URL is not set: alerts go out without links back to this edge',
    );
  });
});
