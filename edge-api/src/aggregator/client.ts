import type { AlertRule, SilenceRequest, SloReport } from '@telltale/shared';
import type { StatusClient } from '../status/client.ts';
import type { AlertsReport, LatestView, ReportedSilence, SilenceResult } from './aggregator.ts';
import type { HistoryQuery, HistoryResponse } from './history.ts';

/**
 * What the HTTP app asks the aggregator. In-process on Node; over a Durable Object stub on
 * Workers. Every argument and answer is structured-cloneable so the DO can implement it over RPC.
 */
export interface AggregatorClient extends StatusClient {
  latest(options?: { fresh?: boolean }): Promise<LatestView>;
  history(query: HistoryQuery): Promise<HistoryResponse>;
  alerts(): Promise<AlertsReport>;
  setRules(rules: AlertRule[]): Promise<AlertRule[]>;
  silences(): Promise<ReportedSilence[]>;
  createSilence(request: SilenceRequest, author: string): Promise<SilenceResult>;
  expireSilence(id: string, author: string): Promise<SilenceResult>;
  slo(): Promise<SloReport>;
  /** A `text/event-stream` body carrying the live feed's updates until `signal` aborts. */
  eventStream(signal: AbortSignal): Promise<ReadableStream<Uint8Array>>;
}
