/**
 * The live event inspector (tap): the schemas (what an admin asks, what nodes run, what they
 * report), the filter, the per-node gate (sample, then rate cap), payload redaction, and the
 * store ports with their Redis and memory adapters.
 */
export { TapGate } from './gate.ts';
export { eventPattern, type TapSubject, tapMatcher } from './matcher.ts';
export { argumentBytes, type PayloadPolicy, payloadPolicy, payloadPreview, REDACTED_KEY } from './payload.ts';
export { provideTaps, tapStoreOf } from './registry.ts';
export {
  TAP_LIMITS,
  TapEntry,
  TapEvent,
  TapFilter,
  TapNotice,
  TapRecord,
  TapRequest,
  TapSpec,
  tapEnd,
  tapState,
} from './schema.ts';
export {
  memoryTaps,
  redisTaps,
  type TapRead,
  type TapSink,
  type TapSource,
  type TapStore,
  tapKeys,
} from './store.ts';
