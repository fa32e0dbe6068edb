export {
  type AlertmanagerAlert,
  type AlertmanagerOptions,
  type AlertmanagerPayload,
  alertmanagerPayload,
  fingerprint,
} from './alertmanager.ts';
export { defaultAlertRules } from './defaults.ts';
export { type AlertEvaluation, evaluateAlerts, isNotifiable } from './engine.ts';
export { DERIVED_ALERT_METRICS, resolveAlertMetric } from './metrics.ts';
