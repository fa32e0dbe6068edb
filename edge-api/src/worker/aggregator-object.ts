import { DurableObject } from 'cloudflare:workers';
import type { AlertRule } from '@telltale/shared';
import { Aggregator, type AlertsReport, type LatestView } from '../aggregator/aggregator.ts';
import type { HistoryQuery, HistoryResponse } from '../aggregator/history.ts';
import { aggregatorOptions } from '../aggregator/options.ts';
import type { RoomPage, RoomQuery } from '../aggregator/room-table.ts';
import { consoleLogger, type LiveConnection, type Scheduler } from '../aggregator/runtime.ts';
import { sseSubscriber } from '../aggregator/sse.ts';
import { upstashStore, type WorkerEnv, workerConfig } from './env.ts';
import { hibernatableConnection, newSubscriberAttachment } from './live-socket.ts';
import { createSqliteHistoryStorage } from './sqlite-history.ts';

/** The paths the Worker uses to reach the object over `stub.fetch`; everything else is RPC. */
export const FEED_PATHS = { webSocket: '/feed/ws', events: '/feed/events' } as const;

/** The next tick as a Durable Object alarm: it survives eviction and wakes the object up. */
function alarmScheduler(storage: DurableObjectStorage): Scheduler {
  return {
    schedule: (delayMs) => storage.setAlarm(Date.now() + delayMs),
    cancel: () => storage.deleteAlarm(),
  };
}

/**
 * The cluster's aggregator as a Durable Object: the same Aggregator class as on Node, with an
 * alarm for the tick, SQLite for history and alert events, and hibernatable WebSockets (plus
 * in-memory SSE streams) for the live feed. The Worker talks to it over RPC, one method per
 * AggregatorClient call, and over fetch for the two streaming feeds.
 */
export class ClusterAggregatorObject extends DurableObject<WorkerEnv> {
  private readonly aggregator: Aggregator;
  private readonly eventStreams = new Map<string, LiveConnection>();
  private started: Promise<void> | null = null;

  constructor(ctx: DurableObjectState, env: WorkerEnv) {
    super(ctx, env);
    const config = workerConfig(env);
    this.aggregator = new Aggregator(aggregatorOptions(config, upstashStore(config)), {
      storage: createSqliteHistoryStorage(ctx.storage.sql),
      scheduler: alarmScheduler(ctx.storage),
      hub: {
        connections: () => [
          ...ctx.getWebSockets().map(hibernatableConnection),
          ...this.eventStreams.values(),
        ],
      },
      fetch: (input, init) => fetch(input, init),
      now: () => Date.now(),
      logger: consoleLogger,
    });
  }

  /** First contact after (re)construction restores the open minute and alert config, ticks and arms the alarm. */
  private start(): Promise<void> {
    this.started ??= this.aggregator.onStart().catch((err: unknown) => {
      this.started = null;
      throw err;
    });
    return this.started;
  }

  override async alarm(): Promise<void> {
    // Woken by the alarm after eviction: starting already ticked and re-armed.
    if (this.started === null) return this.start();
    await this.started;
    await this.aggregator.onAlarm();
  }

  async latest(options?: { fresh?: boolean }): Promise<LatestView> {
    await this.start();
    return this.aggregator.latest(options);
  }

  async history(query: HistoryQuery): Promise<HistoryResponse> {
    await this.start();
    return this.aggregator.history(query);
  }

  async alerts(): Promise<AlertsReport> {
    await this.start();
    return this.aggregator.alerts();
  }

  async setRules(rules: AlertRule[]): Promise<AlertRule[]> {
    await this.start();
    return this.aggregator.setRules(rules);
  }

  async rooms(query: RoomQuery): Promise<RoomPage> {
    await this.start();
    return this.aggregator.rooms(query);
  }

  override async fetch(request: Request): Promise<Response> {
    await this.start();
    const { pathname } = new URL(request.url);
    if (pathname === FEED_PATHS.webSocket) return this.acceptFeedSocket();
    if (pathname === FEED_PATHS.events) return this.openEventStream(request);
    return new Response(`no aggregator route for ${pathname}`, { status: 404 });
  }

  private acceptFeedSocket(): Response {
    const [client, server] = Object.values(new WebSocketPair()) as [WebSocket, WebSocket];
    // Accepted through the state, not server.accept(), so the object may hibernate while sockets idle.
    this.ctx.acceptWebSocket(server);
    server.serializeAttachment(newSubscriberAttachment(crypto.randomUUID()));
    this.aggregator.onConnect(hibernatableConnection(server));
    return new Response(null, { status: 101, webSocket: client });
  }

  private openEventStream(request: Request): Response {
    const { connection, body } = sseSubscriber(`sse-${crypto.randomUUID()}`, request.signal, (ended) => {
      this.eventStreams.delete(ended.id);
      this.aggregator.onClose(ended);
    });
    this.eventStreams.set(connection.id, connection);
    this.aggregator.onConnect(connection);
    return new Response(body, { headers: { 'content-type': 'text/event-stream; charset=utf-8' } });
  }

  override async webSocketMessage(ws: WebSocket, message: string | ArrayBuffer): Promise<void> {
    await this.start();
    this.aggregator.onMessage(hibernatableConnection(ws), message);
  }

  // With compatibility dates from 2026-04-07 the runtime answers the peer's Close frame itself.
  override async webSocketClose(ws: WebSocket): Promise<void> {
    this.aggregator.onClose(hibernatableConnection(ws));
  }

  override async webSocketError(ws: WebSocket): Promise<void> {
    this.aggregator.onClose(hibernatableConnection(ws));
  }
}
