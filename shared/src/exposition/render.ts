import type { ClusterView } from '../schema/cluster.ts';
import {
  type ExpositionOptions,
  type Labels,
  type MetricFamily,
  metricFamilies,
  type Sample,
} from './families.ts';

export const PROMETHEUS_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';
export const OPENMETRICS_CONTENT_TYPE = 'application/openmetrics-text; version=1.0.0; charset=utf-8';
export const JSON_CONTENT_TYPE = 'application/json; charset=utf-8';

export interface RenderOptions extends ExpositionOptions {
  /** Families from outside the view, rendered after its own (the edge's SLO gauges). */
  extraFamilies?: readonly MetricFamily[];
}

/** The view's families, then the extra ones that have samples. */
function familiesOf(view: ClusterView, options: RenderOptions): MetricFamily[] {
  const extra = (options.extraFamilies ?? []).filter((f) => f.samples.length > 0);
  return [...metricFamilies(view, options), ...extra];
}

/** Prometheus text exposition format 0.0.4, which has no `_created`: those samples are left out. */
export function renderPrometheus(view: ClusterView, options: RenderOptions = {}): string {
  const lines: string[] = [];
  for (const family of familiesOf(view, options)) {
    const name = sampleName(family);
    const type = family.type === 'info' ? 'gauge' : family.type;
    lines.push(`# HELP ${name} ${escapeHelp(family.help)}`, `# TYPE ${name} ${type}`);
    for (const sample of family.samples)
      if (sample.suffix !== '_created') lines.push(sampleLine(family, sample));
  }
  return `${lines.join('\n')}\n`;
}

/**
 * OpenMetrics 1.0: families are declared without `_total`/`_info`, units get `# UNIT`, counters and
 * histograms carry `_created`, and `# EOF` ends it.
 */
export function renderOpenMetrics(view: ClusterView, options: RenderOptions = {}): string {
  const lines: string[] = [];
  for (const family of familiesOf(view, options)) {
    lines.push(`# TYPE ${family.name} ${family.type}`);
    if (family.unit) lines.push(`# UNIT ${family.name} ${family.unit}`);
    lines.push(`# HELP ${family.name} ${escapeOpenMetrics(family.help)}`);
    for (const sample of family.samples) lines.push(sampleLine(family, sample));
  }
  lines.push('# EOF');
  return `${lines.join('\n')}\n`;
}

function sampleName(family: MetricFamily): string {
  if (family.type === 'counter') return `${family.name}_total`;
  if (family.type === 'info') return `${family.name}_info`;
  return family.name;
}

function sampleLine(family: MetricFamily, sample: Sample): string {
  const name = sample.suffix ? `${family.name}${sample.suffix}` : sampleName(family);
  return `${name}${renderLabels(sample.labels)} ${formatValue(sample.value)}`;
}

function renderLabels(labels: Labels): string {
  const pairs = Object.entries(labels).map(([k, v]) => `${k}="${escapeOpenMetrics(v)}"`);
  return pairs.length === 0 ? '' : `{${pairs.join(',')}}`;
}

function formatValue(value: number): string {
  if (Number.isNaN(value)) return 'NaN';
  if (value === Number.POSITIVE_INFINITY) return '+Inf';
  if (value === Number.NEGATIVE_INFINITY) return '-Inf';
  return String(value);
}

/** Label values (both formats) and OpenMetrics HELP: backslash, double quote and newline are escaped. */
export function escapeOpenMetrics(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}

/** Prometheus 0.0.4 HELP escapes only backslash and newline. */
function escapeHelp(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/\n/g, '\\n');
}

export function metricsContentType(format: 'json' | 'prometheus' | 'openmetrics'): string {
  if (format === 'prometheus') return PROMETHEUS_CONTENT_TYPE;
  if (format === 'openmetrics') return OPENMETRICS_CONTENT_TYPE;
  return JSON_CONTENT_TYPE;
}
