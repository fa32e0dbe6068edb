import type { StatusStorage } from '../status/storage.ts';
import { Aggregator, type AggregatorOptions } from './aggregator.ts';
import type { AggregatorClient } from './client.ts';
import { createMemoryHistoryStorage } from './memory-history.ts';
import {
  type AggregatorLogger,
  consoleLogger,
  type HistoryStorage,
  type LiveConnection,
  MemoryLiveHub,
  timerScheduler,
} from './runtime.ts';
import { sseSubscriber } from './sse.ts';

export interface InProcessAggregator {
  aggregator: Aggregator;
  client: AggregatorClient;
  hub: MemoryLiveHub;
  /** Registers a subscriber (a WebSocket on Node) with the hub and the actor. */
  connect(connection: LiveConnection): void;
  disconnect(connection: LiveConnection): void;
  start(): Promise<void>;
  stop(): Promise<void>;
}

export interface InProcessOptions extends AggregatorOptions {
  storage?: HistoryStorage;
  /** Redis on a Node edge with REDIS_URL, so a restart keeps the 90 days; memory otherwise. */
  statusStorage?: StatusStorage;
  fetch?: typeof fetch;
  now?: () => number;
  logger?: AggregatorLogger;
}

/** The aggregator on Node: a timer for ticks, memory for history, a Set of subscribers. */
export function createInProcessAggregator(options: InProcessOptions): InProcessAggregator {
  const hub = new MemoryLiveHub();
  let aggregator: Aggregator | null = null;
  const scheduler = timerScheduler(() => void aggregator?.onAlarm());
  aggregator = new Aggregator(options, {
    storage: options.storage ?? createMemoryHistoryStorage(),
    ...(options.statusStorage ? { statusStorage: options.statusStorage } : {}),
    scheduler,
    hub,
    fetch: options.fetch ?? ((input, init) => fetch(input, init)),
    now: options.now ?? Date.now,
    logger: options.logger ?? consoleLogger,
  });
  const actor = aggregator;
  let sseCount = 0;

  const connect = (connection: LiveConnection) => {
    hub.add(connection);
    actor.onConnect(connection);
  };
  const disconnect = (connection: LiveConnection) => {
    hub.remove(connection);
    actor.onClose(connection);
  };

  const client: AggregatorClient = {
    latest: (o) => actor.latest(o),
    history: (q) => actor.history(q),
    alerts: () => actor.alerts(),
    setRules: (rules) => actor.setRules(rules),
    silences: () => actor.silences(),
    createSilence: (request, author) => actor.createSilence(request, author),
    expireSilence: (id, author) => actor.expireSilence(id, author),
    slo: () => actor.slo(),
    statusReport: () => actor.statusReport(),
    incidents: (limit) => actor.incidents(limit),
    announceIncident: (input, by) => actor.announceIncident(input, by),
    updateIncident: (id, input, by) => actor.updateIncident(id, input, by),
    maintenanceWindows: () => actor.maintenanceWindows(),
    addMaintenanceWindow: (input, by) => actor.addMaintenanceWindow(input, by),
    removeMaintenanceWindow: (id) => actor.removeMaintenanceWindow(id),
    async eventStream(signal) {
      const { connection, body } = sseSubscriber(`sse-${++sseCount}`, signal, disconnect);
      connect(connection);
      return body;
    },
  };

  return {
    aggregator: actor,
    client,
    hub,
    connect,
    disconnect,
    start: () => actor.onStart(),
    async stop() {
      await actor.stop();
      for (const connection of [...hub.connections()]) connection.close(1001, 'edge shutting down');
    },
  };
}
