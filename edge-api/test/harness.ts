import {
  type AggregateChanges,
  type CommandEnvelope,
  CommandGate,
  EdgeConfig,
  type NodeSnapshot,
  parseConfig,
  parseEnvelope,
  respond,
  type SocketRecord,
  type TelltaleStore,
} from '@telltale/shared';
import { createMemoryStore } from '@telltale/shared/store/memory';
import { type SnapshotOverrides, sampleSnapshot } from '@telltale/shared/testing';
import { createInProcessAggregator, type InProcessAggregator } from '../src/aggregator/in-process.ts';
import { aggregatorOptions } from '../src/aggregator/options.ts';
import type { AggregatorLogger } from '../src/aggregator/runtime.ts';
import { createApp } from '../src/app.ts';
import type { AppDeps } from '../src/context.ts';

export const ADMIN_TOKEN = 'test-admin-token-0123456789';
export const JWT_SECRET = 'test-jwt-secret-0123456789abcdef';
export const admin = { authorization: `Bearer ${ADMIN_TOKEN}` };

export function edgeConfig(env: Record<string, string | undefined> = {}): EdgeConfig {
  return parseConfig(EdgeConfig, {
    ADMIN_TOKEN,
    JWT_SECRET,
    FLUSH_INTERVAL_MS: '1000',
    COMMAND_TIMEOUT_MS: '300',
    EXPECTED_NODES: '1',
    ...env,
  });
}

/** A snapshot of `nodeId` flushed just now (sampleSnapshot's own clock is in 2023). */
export function snapshotOf(nodeId: string, overrides: SnapshotOverrides = {}): NodeSnapshot {
  return sampleSnapshot({
    ...overrides,
    node: { id: nodeId, flushedAt: Date.now(), intervalMs: 1000, ...overrides.node },
  });
}

export function socketOf(id: string, nodeId: string, extra: Partial<SocketRecord> = {}): SocketRecord {
  return {
    id,
    nodeId,
    namespace: '/portal',
    userId: 'u1',
    role: 'client',
    transport: 'websocket',
    connectedAt: Date.now(),
    rooms: 1,
    roomNames: ['user:u1'],
    lastEventAt: null,
    ...extra,
  };
}

export async function flushNode(
  store: TelltaleStore,
  snapshot: NodeSnapshot,
  sockets: SocketRecord[] = [],
  ttlMs = 30_000,
  aggregates?: AggregateChanges,
): Promise<void> {
  await store
    .forCluster(snapshot.node.cluster)
    .flush({ snapshot, sockets: { upsert: sockets, remove: [] }, ttlMs, aggregates });
}

/** A whole flush's aggregate changes: these rooms (`[namespace, name, size]`) and users online. */
export function roomsAndUsers(rooms: [string, string, number][], online: string[] = []): AggregateChanges {
  return {
    whole: true,
    rooms: rooms.map(([namespace, name, size]) => ({ namespace, name, size })),
    users: online.map((user): [string, 'online'] => [user, 'online']),
  };
}

export interface FakeNode {
  received: CommandEnvelope[];
  stop(): Promise<void>;
}

/**
 * A stand-in socket node on the command channel: answers each command with the nodes' own
 * `respond` (signature with `signingKey`, freshness, replays, then the ack), running it as
 * `affected` sockets touched — or stays silent (`silent`) to play a node that is down.
 */
export async function fakeNode(
  store: TelltaleStore,
  nodeId: string,
  options: {
    silent?: boolean;
    affected?: (e: CommandEnvelope) => number;
    cluster?: string;
    signingKey?: string;
  } = {},
): Promise<FakeNode> {
  const cluster = options.cluster ?? 'default';
  const received: CommandEnvelope[] = [];
  const gate = new CommandGate({ signingKey: options.signingKey ?? null });
  const bound = store.forCluster(cluster);
  const unsubscribe = await bound.subscribeCommands(nodeId, async (raw) => {
    const parsed = parseEnvelope(raw);
    if (!parsed.ok) throw new Error(`fake node ${nodeId} got a malformed command: ${parsed.reason}`);
    const { envelope } = parsed;
    received.push(envelope);
    if (options.silent) return;
    await respond(raw, {
      cluster,
      nodeId,
      gate,
      store: bound,
      run: () => ({ ok: true, affected: options.affected?.(envelope) ?? 1 }),
      // A lost ack shows as this node missing from the result, which is what the tests look at.
      ackFailed: () => {},
    });
  });
  return { received, stop: unsubscribe };
}

export const quietLogger: AggregatorLogger & { lines: string[] } = {
  lines: [],
  warn(message) {
    this.lines.push(message);
  },
  error(message) {
    this.lines.push(message);
  },
};

export interface Edge {
  app: ReturnType<typeof createApp>;
  store: TelltaleStore;
  aggregator: InProcessAggregator;
  config: EdgeConfig;
  stop(): Promise<void>;
}

/** The app over a memory store and an in-process aggregator that is NOT ticking: tests call tick(). */
export function makeEdge(
  options: { env?: Record<string, string | undefined>; store?: TelltaleStore; deps?: Partial<AppDeps> } = {},
): Edge {
  const config = edgeConfig(options.env);
  const store = options.store ?? createMemoryStore();
  const bound = store.forCluster(config.CLUSTER_ID);
  const aggregator = createInProcessAggregator({ ...aggregatorOptions(config, bound), logger: quietLogger });
  const app = createApp({ config, store: bound, aggregator: aggregator.client, ...options.deps });
  return {
    app,
    store,
    aggregator,
    config,
    stop: async () => {
      await aggregator.stop();
      await store.close();
    },
  };
}

export async function json(response: Response): Promise<Record<string, unknown>> {
  return (await response.json()) as Record<string, unknown>;
}
