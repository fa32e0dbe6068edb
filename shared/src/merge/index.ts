export { withIntervalRates } from './interval-rates.ts';
export { foldCounts, isLabel, LABEL_CAP, labelOf, MAX_LABEL_LENGTH, OVERFLOW_LABEL } from './labels.ts';
export {
  latencySummary,
  type MergeOptions,
  mergeCluster,
  type PulseNode,
  pulseNode,
} from './merge-cluster.ts';
export { mergeSnapshots, type SnapshotMergeOptions, withNodeDetail } from './merge-snapshots.ts';
export { RATE_SPAN_MS, RateBaseline } from './rate-baseline.ts';
export { type CounterDeltas, counterDeltas, withRates } from './rates.ts';
export { compareRooms, roomPrefix, roomsFromAggregates, roomsFromNodes } from './rooms.ts';
