import { ClusterView, DERIVED_ALERT_METRICS, SLO_ALERT_METRICS } from '@telltale/shared';
import { z } from 'zod';

/**
 * True when an alert rule's metric can ever have a value: a derived or SLO metric, or a dotted path that
 * ends on a number or boolean of the ClusterView schema (`events.latency.p95`, `events.by_type.x`).
 * A typo would otherwise give a rule that silently never fires.
 */
export function isAlertableMetric(metric: string): boolean {
  if (Object.hasOwn(DERIVED_ALERT_METRICS, metric) || SLO_ALERT_METRICS.includes(metric)) return true;
  let schema: z.ZodType = ClusterView;
  for (const key of metric.split('.')) {
    schema = unwrap(schema);
    if (schema instanceof z.ZodObject) {
      const next = (schema.shape as Record<string, z.ZodType>)[key];
      if (!next) return false;
      schema = next;
    } else if (schema instanceof z.ZodRecord) {
      schema = schema.valueType as z.ZodType;
    } else return false;
  }
  schema = unwrap(schema);
  return schema instanceof z.ZodNumber || schema instanceof z.ZodBoolean;
}

function unwrap(schema: z.ZodType): z.ZodType {
  let s = schema;
  while (s instanceof z.ZodNullable || s instanceof z.ZodOptional || s instanceof z.ZodDefault) {
    s = s.unwrap() as z.ZodType;
  }
  return s;
}
