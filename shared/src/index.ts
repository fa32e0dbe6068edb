export * from './alerts/index.ts';
export * from './auth/claims.ts';
export * from './commands/index.ts';
export * from './exposition/index.ts';
export * from './health/index.ts';
export * from './keys/index.ts';
export * from './merge/index.ts';
export * from './schema/index.ts';
export * from './sketch/index.ts';
export { aggregateNamespace } from './store/aggregates.ts';
export { AuditCursor, InvalidCursorError } from './store/cursor.ts';
export {
  type ClusterLedger,
  emptyLedger,
  LEDGER_LABEL_PART_NAMES,
  type LedgerLabelPart,
  type LedgerSketch,
} from './store/ledger.ts';
export type * from './store/port.ts';
export { SocketCursorToken } from './store/socket-query.ts';
export { withTimeout } from './time/with-timeout.ts';
