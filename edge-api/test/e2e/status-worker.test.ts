import { rm } from 'node:fs/promises';
import type { SocketNode } from '@telltale/socket-node';
import { ClusterUnderWrangler, INTERVAL_MS } from '../worker/cluster-under-wrangler.ts';
import { freshStateDir } from '../worker/wrangler-dev.ts';
import { STATUS_ENV, startWebhook, statusScenario } from './status-scenario.ts';

/**
 * The same status scenario on the Worker: real workerd under `wrangler dev`, the aggregator a
 * Durable Object keeping the status history in its SQLite, restarted on the same storage.
 */
statusScenario(
  '/status on the Worker runtime (wrangler dev, Durable Object SQLite; Chromium)',
  async () => {
    const cluster = await ClusterUnderWrangler.start('status-worker');
    const webhook = await startWebhook();
    const stateDir = freshStateDir();
    await cluster.startSocketNode('node-a');
    let nodeB: SocketNode | null = await cluster.startSocketNode('node-b');
    const startWorker = () =>
      cluster.startWorker({ vars: { ...STATUS_ENV, ALERT_WEBHOOK_URL: webhook.url }, persistTo: stateDir });
    await startWorker();
    return {
      url: () => cluster.url,
      admin: { authorization: `Bearer ${cluster.adminToken}` },
      intervalMs: INTERVAL_MS,
      webhook,
      async stopNodeB() {
        if (nodeB) await cluster.stopSocketNode(nodeB);
        nodeB = null;
      },
      async startNodeB() {
        nodeB = await cluster.startSocketNode('node-b');
      },
      async restartEdge() {
        await cluster.stopWorker();
        await startWorker();
      },
      async stop() {
        await cluster.stop();
        await webhook.close();
        await rm(stateDir, { recursive: true, force: true });
      },
    };
  },
  { screenshots: false },
);
