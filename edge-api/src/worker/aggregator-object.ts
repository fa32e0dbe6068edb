import { DurableObject } from 'cloudflare:workers';
import type { AlertRule, SilenceRequest, SloReport } from '@telltale/shared';
import {
  Aggregator,
  type AlertsReport,
  type LatestView,
  type ReportedSilence,
  type SilenceResult,
} from '../aggregator/aggregator.ts';
import type { HistoryQuery, HistoryResponse } from '../aggregator/history.ts';
import { aggregatorOptions } from '../aggregator/options.ts';
import { consoleLogger, type LiveConnection, type Scheduler } from '../aggregator/runtime.ts';
import { sseSubscriber } from '../aggregator/sse.ts';
import { LIVE_PROTOCOL, offersLiveProtocol } from '../live/ws-protocol.ts';
import type { Incident, IncidentInput, IncidentUpdateInput } from '../status/incidents.ts';
import type { WindowResult } from '../status/keeper.ts';
import type { MaintenanceWindow, MaintenanceWindowInput } from '../status/maintenance.ts';
import type { StatusReport } from '../status/report.ts';
import { upstashStore, type WorkerEnv, workerConfig } from './env.ts';
import { attachSubscriber, hibernatableConnection, openConnections } from './live-socket.ts';
import { createSqliteAlertDocuments } from './sqlite-alert-documents.ts';
import { createSqliteHistoryStorage } from './sqlite-history.ts';
import { createSqliteStatusStorage } from './sqlite-status.ts';

/** The paths the Worker uses to reach the object over `stub.fetch`; everything else is RPC. */
export const FEED_PATHS = { webSocket: '/feed/ws', events: '/feed/events' } as const;

/** The next tick as a Durable Object alarm: it survives eviction and wakes the object up. */
class AlarmScheduler implements Scheduler {
  /** When the alarm this object armed is due; null before it armed one. */
  armedFor: number | null = null;

  constructor(private readonly storage: DurableObjectStorage) {}

  schedule(delayMs: number): Promise<void> {
    this.armedFor = Date.now() + delayMs;
    return this.storage.setAlarm(this.armedFor);
  }

  cancel(): Promise<void> {
    this.armedFor = null;
    return this.storage.deleteAlarm();
  }
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
  private readonly scheduler: AlarmScheduler;

  constructor(ctx: DurableObjectState, env: WorkerEnv) {
    super(ctx, env);
    const config = workerConfig(env);
    this.scheduler = new AlarmScheduler(ctx.storage);
    this.aggregator = new Aggregator(aggregatorOptions(config, upstashStore(config)), {
      storage: createSqliteHistoryStorage(ctx.storage.sql),
      alertDocuments: createSqliteAlertDocuments(ctx.storage.sql),
      statusStorage: createSqliteStatusStorage(ctx.storage.sql),
      scheduler: this.scheduler,
      hub: {
        connections: () => [...openConnections(ctx.getWebSockets()), ...this.eventStreams.values()],
      },
      fetch: (input, init) => fetch(input, init),
      now: () => Date.now(),
      logger: consoleLogger,
    });
    // The one start of this instance: restores the open minute and alert config, ticks and arms the
    // alarm. The runtime holds every RPC, fetch, socket event and alarm until it is done.
    ctx
      .blockConcurrencyWhile(() => this.aggregator.onStart())
      .catch((err: Error) =>
        consoleLogger.error(`aggregator start failed, the object restarts: ${err.stack}`),
      );
  }

  override async alarm(): Promise<void> {
    // An alarm due before the one starting armed is the one that woke the object: starting ticked.
    const { armedFor } = this.scheduler;
    if (armedFor !== null && Date.now() < armedFor) return this.ctx.storage.setAlarm(armedFor);
    await this.aggregator.onAlarm();
  }

  latest(options?: { fresh?: boolean }): Promise<LatestView> {
    return this.aggregator.latest(options);
  }

  history(query: HistoryQuery): Promise<HistoryResponse> {
    return this.aggregator.history(query);
  }

  alerts(): Promise<AlertsReport> {
    return this.aggregator.alerts();
  }

  setRules(rules: AlertRule[]): Promise<AlertRule[]> {
    return this.aggregator.setRules(rules);
  }

  silences(): Promise<ReportedSilence[]> {
    return this.aggregator.silences();
  }

  createSilence(request: SilenceRequest, author: string): Promise<SilenceResult> {
    return this.aggregator.createSilence(request, author);
  }

  expireSilence(id: string, author: string): Promise<SilenceResult> {
    return this.aggregator.expireSilence(id, author);
  }

  slo(): Promise<SloReport> {
    return this.aggregator.slo();
  }

  statusReport(): Promise<StatusReport> {
    return this.aggregator.statusReport();
  }

  incidents(limit: number): Promise<Incident[]> {
    return this.aggregator.incidents(limit);
  }

  announceIncident(input: IncidentInput, actor: string): Promise<Incident> {
    return this.aggregator.announceIncident(input, actor);
  }

  updateIncident(id: string, input: IncidentUpdateInput, actor: string): Promise<Incident | null> {
    return this.aggregator.updateIncident(id, input, actor);
  }

  maintenanceWindows(): Promise<MaintenanceWindow[]> {
    return this.aggregator.maintenanceWindows();
  }

  addMaintenanceWindow(input: MaintenanceWindowInput, actor: string): Promise<WindowResult> {
    return this.aggregator.addMaintenanceWindow(input, actor);
  }

  removeMaintenanceWindow(id: string): Promise<boolean> {
    return this.aggregator.removeMaintenanceWindow(id);
  }

  override async fetch(request: Request): Promise<Response> {
    const { pathname } = new URL(request.url);
    if (pathname === FEED_PATHS.webSocket) return this.acceptFeedSocket(request);
    if (pathname === FEED_PATHS.events) return this.openEventStream(request);
    return new Response(`no aggregator route for ${pathname}`, { status: 404 });
  }

  private acceptFeedSocket(request: Request): Response {
    const [client, server] = Object.values(new WebSocketPair()) as [WebSocket, WebSocket];
    // Accepted through the state, not server.accept(), so the object may hibernate while sockets idle.
    this.ctx.acceptWebSocket(server);
    this.aggregator.onConnect(attachSubscriber(server, crypto.randomUUID()));
    // A browser that offered subprotocols (the token travels in one) closes a socket that names none.
    const headers: Record<string, string> = offersLiveProtocol(
      request.headers.get('sec-websocket-protocol') ?? undefined,
    )
      ? { 'sec-websocket-protocol': LIVE_PROTOCOL }
      : {};
    return new Response(null, { status: 101, webSocket: client, headers });
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
