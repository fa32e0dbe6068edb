export {
  Aggregator,
  type AggregatorOptions,
  type AlertsReport,
  type LatestView,
  updateMessage,
} from './aggregator/aggregator.ts';
export type { AggregatorClient } from './aggregator/client.ts';
export { FeedClientMessage, type FeedServerMessage, parseFeedMessage } from './aggregator/feed.ts';
export {
  HistoryQuery,
  type HistoryResponse,
  type MinutePoint,
  MinuteRollup,
  TickPoint,
} from './aggregator/history.ts';
export { createInProcessAggregator, type InProcessAggregator } from './aggregator/in-process.ts';
export { createMemoryHistoryStorage } from './aggregator/memory-history.ts';
export { RoomMembersQuery, RoomPage, RoomQuery } from './aggregator/room-table.ts';
export type {
  AggregatorLogger,
  AggregatorRuntime,
  HistoryStorage,
  LiveConnection,
  LiveHub,
  Scheduler,
  SubscriberState,
} from './aggregator/runtime.ts';
export { sseSubscriber } from './aggregator/sse.ts';
export { createApp, DASHBOARD_PATH, type EdgeApi } from './app.ts';
export type { AppDeps } from './context.ts';
