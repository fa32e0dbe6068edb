import { evaluateHealth, mergeSnapshots, resolveAlertMetric, type TelltaleStore } from '@telltale/shared';
import { createIoredisStore } from '@telltale/shared/store/ioredis';
import { afterEach, describe, expect, it } from 'vitest';
import { testSettings } from '../../test/support/node.ts';
import { type SocketNode, startSocketNode } from '../node.ts';
import { silentLogger } from './log.ts';

const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

let node: SocketNode | undefined;
let reader: TelltaleStore | undefined;
afterEach(async () => {
  await node?.close();
  await reader?.close();
});

describe("a node's first snapshot", () => {
  it('reports Redis as not measured yet, so a node that just started leaves /health passing', async () => {
    const cluster = `first-snapshot-${process.pid}-${Date.now()}`;
    node = await startSocketNode(testSettings({ cluster, redisUrl: REDIS_URL }), { log: silentLogger });
    reader = createIoredisStore(REDIS_URL);
    const health = async () => {
      const view = mergeSnapshots(await reader!.forCluster(cluster).readNodes(), Date.now(), {
        cluster,
        intervalMs: 60_000,
      });
      return { view, report: evaluateHealth(view, { expectedNodes: 1, serviceId: cluster }) };
    };

    const first = await health();
    expect(first.view.nodes.list[0]?.redis).toEqual({ connected: null, latencyMs: null });
    expect(first.report.status).toBe('pass');
    expect(first.report.output).toBeUndefined();
    expect(first.view.redis).toMatchObject({ connected: true, nodes_connected: 0 });
    expect(resolveAlertMetric(first.view, 'redis.down')).toBe(0);

    expect(await node.instrumentation.flushNow()).toBe(true);
    const second = await health();
    expect(second.view.nodes.list[0]?.redis).toMatchObject({ connected: true });
    expect(second.report.status).toBe('pass');
    expect(second.view.redis).toMatchObject({ connected: true, nodes_connected: 1 });
  });
});
