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
