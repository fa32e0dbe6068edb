export {
  type ExpositionOptions,
  LATENCY_BUCKETS_SECONDS,
  type MetricFamily,
  type MetricsScope,
  metricFamilies,
} from './families.ts';
export { METRICS_FORMATS, type MetricsFormat, negotiateMetricsFormat } from './negotiate.ts';
export {
  JSON_CONTENT_TYPE,
  metricsContentType,
  OPENMETRICS_CONTENT_TYPE,
  PROMETHEUS_CONTENT_TYPE,
  type RenderOptions,
  renderOpenMetrics,
  renderPrometheus,
} from './render.ts';
