import type { TelltaleStore } from '@telltale/shared';
import { createIoredisStore } from '@telltale/shared/store/ioredis';
import { DEFAULT_PRESENCE, type SocketNode, silentLogger, startSocketNode } from '@telltale/socket-node';
import { startRedis } from '../../../test/support/redis.ts';
import { type RunningEdge, startEdgeServer } from '../../src/node/server.ts';
import { admin, edgeConfig, quietLogger } from '../harness.ts';
import { STATUS_ENV, startWebhook, statusScenario } from './status-scenario.ts';

const INTERVAL_MS = 500;
const NODE_SECRET = 'status-e2e-node-secret-0123456789ab';

statusScenario(
  '/status on a Node edge with Redis (Chromium)',
  async () => {
    const redis = await startRedis();
    const webhook = await startWebhook();
    const store: TelltaleStore = createIoredisStore(redis.url);
    const config = edgeConfig({
      ...STATUS_ENV,
      PORT: '0',
      REDIS_URL: redis.url,
      FLUSH_INTERVAL_MS: String(INTERVAL_MS),
      ALERT_WEBHOOK_URL: webhook.url,
    });
    const startNode = (nodeId: string) =>
      startSocketNode(
        {
          port: 0,
          host: '127.0.0.1',
          nodeId,
          cluster: config.CLUSTER_ID,
          flushIntervalMs: INTERVAL_MS,
          shutdownTimeoutMs: 2000,
          jwt: { kind: 'secret', secret: NODE_SECRET },
          presence: DEFAULT_PRESENCE,
          version: '0.1.0',
        },
        { store, log: silentLogger },
      );
    const nodeA = await startNode('node-a');
    let nodeB: SocketNode | null = await startNode('node-b');
    let edge: RunningEdge = await startEdgeServer({ config, store, logger: quietLogger });
    return {
      url: () => edge.url,
      admin,
      intervalMs: INTERVAL_MS,
      webhook,
      async stopNodeB() {
        await nodeB?.close();
        nodeB = null;
      },
      async startNodeB() {
        nodeB = await startNode('node-b');
      },
      async restartEdge() {
        await edge.close();
        edge = await startEdgeServer({ config, store, logger: quietLogger });
      },
      async stop() {
        await nodeB?.close();
        await nodeA.close();
        await edge.close();
        await store.close();
        await webhook.close();
        await redis.stop();
      },
    };
  },
  // UPDATE_SCREENSHOT=1 refreshes docs/status-{desktop,phone}.png; other runs leave them alone.
  { screenshots: Boolean(process.env.UPDATE_SCREENSHOT) },
);
