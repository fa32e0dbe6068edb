export {
  type AlertmanagerAlert,
  type AlertmanagerOptions,
  type AlertmanagerPayload,
  alertmanagerPayload,
  fingerprint,
} from './alertmanager.ts';
export {
  ALERTMANAGER_RESEND_MS,
  AlertmanagerFeed,
  type AlertmanagerFeedOptions,
  alertNodes,
  type PostableAlert,
} from './alertmanager-feed.ts';
export { defaultAlertRules } from './defaults.ts';
export { type AlertEvaluation, evaluateAlerts, isNotifiable, keepsFiring } from './engine.ts';
export { DERIVED_ALERT_METRICS, resolveAlertMetric } from './metrics.ts';
export {
  addSilence,
  alertLabels,
  audibleEvents,
  decodeSilences,
  expireSilence,
  matchesLabels,
  retained as retainedSilences,
  SILENCE_LIMITS,
  Silence,
  SilenceMatcher,
  SilenceRefused,
  SilenceRequest,
  SilenceStatus,
  silencedBy,
  silenceStatus,
} from './silences.ts';
export {
  AVAILABILITY_SERIES_BYTES,
  AvailabilitySeries,
  BURN_RATE_WINDOWS,
  type BurnRateWindow,
  burnRate,
  burnRateMetric,
  type Counts,
  SLO_ALERT_METRICS,
  SLO_DEFINITION,
  SLO_MAX_WINDOW_MS,
  type SloObjective,
  type SloReport,
  sloAlertMetrics,
  sloMetricFamilies,
  sloReport,
} from './slo.ts';
