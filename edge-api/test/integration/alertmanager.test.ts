/**
 * The edge posting to a real Alertmanager (Debian `prometheus-alertmanager` 0.25) over its API v2,
 * fed by a real cluster: two socket-node processes flushing into a private Redis every 300 ms.
 * Killing a node fires `node-lost` for that node; Alertmanager holds it, a silence through its API
 * suppresses it, and bringing the node back resolves it.
 */
import { fingerprint } from '@telltale/shared';
import { createIoredisStore } from '@telltale/shared/store/ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually } from '../../../socket-node/test/support/clients.ts';
import { type NodeProcess, spawnNode } from '../../../socket-node/test/support/node.ts';
import {
  type AlertmanagerProcess,
  type GettableAlert,
  startAlertmanager,
} from '../../../test/support/alertmanager.ts';
import { type RedisProcess, startRedis } from '../../../test/support/redis.ts';
import { type RunningEdge, startEdgeServer } from '../../src/node/server.ts';
import { edgeConfig, quietLogger } from '../harness.ts';

const FLUSH_MS = 300;
const PUBLIC_URL = 'https://telltale.example.com';

let redis: RedisProcess;
let alertmanager: AlertmanagerProcess;
let store: ReturnType<typeof createIoredisStore>;
let edge: RunningEdge;
const nodes = new Map<string, NodeProcess>();

const startNode = async (id: string) => {
  const node = await spawnNode({
    NODE_ID: id,
    CLUSTER_ID: 'default',
    REDIS_URL: redis.url,
    FLUSH_INTERVAL_MS: String(FLUSH_MS),
    SHUTDOWN_TIMEOUT_MS: '1000',
  });
  nodes.set(id, node);
  return node;
};

/** Polls Alertmanager until `pick` finds what the test waits for. */
async function alertWhere(
  what: string,
  pick: (alerts: GettableAlert[]) => boolean,
): Promise<GettableAlert[]> {
  let last: GettableAlert[] = [];
  await eventually(
    async () => {
      last = await alertmanager.alerts();
      return pick(last);
    },
    15_000,
    what,
  ).catch((err: Error) => {
    throw new Error(`${err.message}; Alertmanager holds ${JSON.stringify(last)}`);
  });
  return last;
}

beforeAll(async () => {
  [redis, alertmanager] = await Promise.all([startRedis(), startAlertmanager()]);
  await Promise.all([startNode('node-1'), startNode('node-2')]);
  store = createIoredisStore(redis.url);
  edge = await startEdgeServer({
    config: edgeConfig({
      PORT: '0',
      REDIS_URL: redis.url,
      FLUSH_INTERVAL_MS: String(FLUSH_MS),
      TICK_INTERVAL_MS: String(FLUSH_MS),
      EXPECTED_NODES: '1',
      ALERTMANAGER_URL: alertmanager.url,
      PUBLIC_URL: `${PUBLIC_URL}/`,
    }),
    store,
    logger: quietLogger,
  });
}, 120_000);

afterAll(async () => {
  await edge?.close();
  await store?.close();
  await Promise.all([...nodes.values()].map((n) => n.kill()));
  await alertmanager?.stop();
  await redis?.stop();
});

describe('alerts in a real Alertmanager', () => {
  const lostLabels = { alertname: 'node-lost', cluster: 'default', severity: 'warning', node: 'node-2' };
  const isLost = (a: GettableAlert) => a.labels.alertname === 'node-lost';

  it('fires node-lost for the killed node, with the labels, links and fingerprint Alertmanager expects', async () => {
    await eventually(
      async () => (await edge.aggregator.client.latest()).view?.nodes.live === 2,
      10_000,
      'both nodes live',
    );
    expect((await alertmanager.alerts()).filter(isLost)).toEqual([]);

    const killedAt = Date.now();
    await nodes.get('node-2')!.kill();
    const held = await alertWhere('node-lost active in Alertmanager', (alerts) => alerts.some(isLost));
    const [alert] = held.filter(isLost);
    expect(held.filter(isLost)).toHaveLength(1);
    expect(alert!.labels).toEqual(lostLabels);
    expect(alert!.status).toEqual({ state: 'active', silencedBy: [], inhibitedBy: [] });
    expect(alert!.generatorURL).toBe(`${PUBLIC_URL}/admin/alerts`);
    expect(alert!.annotations).toMatchObject({
      summary: 'nodes.lost is 1 (> 0)',
      description: 'A socket node disappeared without deregistering',
    });
    // Alertmanager's own fingerprint of those labels is the one we compute.
    expect(alert!.fingerprint).toBe(fingerprint(alert!.labels));
    expect(Date.parse(alert!.startsAt)).toBeGreaterThanOrEqual(killedAt - FLUSH_MS);
    // Valid for four 60 s resends, not Alertmanager's 5 min resolve_timeout: we said when it ends.
    const validFor = Date.parse(alert!.endsAt) - Date.now();
    expect(validFor).toBeGreaterThan(3.5 * 60_000);
    expect(validFor).toBeLessThanOrEqual(4 * 60_000);
  });

  it('lets a silence made through Alertmanager API suppress it', async () => {
    const id = await alertmanager.silence({ alertname: 'node-lost', node: 'node-2' });
    const held = await alertWhere('node-lost suppressed', (alerts) =>
      alerts.some((a) => isLost(a) && a.status.state === 'suppressed'),
    );
    expect(held.find(isLost)!.status).toEqual({ state: 'suppressed', silencedBy: [id], inhibitedBy: [] });
  });

  it('resolves it when the node comes back', async () => {
    await startNode('node-2');
    await alertWhere('node-lost resolved', (alerts) => !alerts.some(isLost));
    const { states } = await edge.aggregator.client.alerts();
    expect(states.find((s) => s.ruleId === 'node-lost')?.phase).toBe('resolved');
  });
});
