import { ConfigError } from '@telltale/shared';
import { settingsFromEnv } from './config.ts';
import { consoleLogger } from './instrument/log.ts';

/** The reference server needs these; `instrument(io)` alone does not, so they are optional peers. */
const REFERENCE_SERVER_PEERS = ['socket.io', 'ioredis', 'jose', '@socket.io/redis-adapter'];

function missingPeers(): string[] {
  return REFERENCE_SERVER_PEERS.filter((name) => {
    try {
      import.meta.resolve(name);
      return false;
    } catch {
      return true;
    }
  });
}

/** The socket node process: config from env, graceful stop on SIGTERM / SIGINT. */
async function main(): Promise<void> {
  const missing = missingPeers();
  if (missing.length > 0) {
    console.error(
      `telltale-node: the reference server needs ${missing.join(', ')}: npm install ${missing.join(' ')}`,
    );
    process.exit(1);
  }
  let settings: ReturnType<typeof settingsFromEnv>;
  try {
    settings = settingsFromEnv(process.env);
  } catch (error) {
    if (error instanceof ConfigError) {
      console.error(error.message);
      process.exit(1);
    }
    throw error;
  }

  process.on('unhandledRejection', (reason) => {
    consoleLogger.error(
      `unhandled rejection (kept running): ${reason instanceof Error ? reason.stack : String(reason)}`,
    );
  });

  const { startSocketNode } = await import('./node.ts');
  const node = await startSocketNode(settings);
  consoleLogger.info(
    `socket node ${node.nodeId} (cluster ${node.cluster}) listening on ${node.url}, store: ${node.store.kind}`,
  );

  let stopping = false;
  const stop = (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    consoleLogger.info(`${signal}: draining node ${node.nodeId}`);
    const hardStop = setTimeout(() => process.exit(1), settings.shutdownTimeoutMs + 1000);
    hardStop.unref();
    void node.close().then(() => {
      consoleLogger.info(`node ${node.nodeId} stopped`);
      process.exit(0);
    });
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

void main().catch((error: unknown) => {
  console.error(`socket node failed to start: ${error instanceof Error ? error.stack : String(error)}`);
  process.exit(1);
});
