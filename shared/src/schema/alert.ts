import { z } from 'zod';

export const Severity = z.enum(['info', 'warning', 'critical', 'emergency']);
export type Severity = z.infer<typeof Severity>;

export const Comparison = z.enum(['>', '>=', '<', '<=', '==', '!=']);
export type Comparison = z.infer<typeof Comparison>;

export const AlertRule = z.object({
  id: z
    .string()
    .min(1)
    .max(100)
    .regex(/^[\w\-.]+$/, 'may only contain letters, digits, _ - and .'),
  description: z.string().max(500).default(''),
  /** A metric path into the ClusterView or a derived metric (see alerts/metrics.ts). */
  metric: z.string().min(1).max(200),
  /**
   * A second metric that must breach the same threshold as well (a multi-window alert's short
   * window); a firing alert resolves as soon as either clears.
   */
  confirmMetric: z.string().min(1).max(200).optional(),
  comparison: Comparison,
  threshold: z.number(),
  /** How long the condition must hold before firing. */
  forMs: z.number().int().nonnegative().max(86_400_000).default(0),
  /** Fraction of the threshold the value must move back past to resolve (hysteresis). */
  hysteresis: z.number().nonnegative().max(1).default(0.1),
  severity: Severity,
  enabled: z.boolean().default(true),
});
export type AlertRule = z.infer<typeof AlertRule>;
export type AlertRuleInput = z.input<typeof AlertRule>;

export const AlertPhase = z.enum(['inactive', 'pending', 'firing', 'resolved']);
export type AlertPhase = z.infer<typeof AlertPhase>;

export const AlertState = z.object({
  ruleId: z.string(),
  phase: AlertPhase,
  severity: Severity,
  since: z.number().int(),
  value: z.number().nullable(),
  firedAt: z.number().int().nullable(),
  resolvedAt: z.number().int().nullable(),
});
export type AlertState = z.infer<typeof AlertState>;

/** Emitted once per state change; what notifications and history are built from. */
export const AlertEvent = z.object({
  ruleId: z.string(),
  from: AlertPhase,
  to: AlertPhase,
  severity: Severity,
  value: z.number().nullable(),
  threshold: z.number(),
  at: z.number().int(),
  description: z.string(),
  metric: z.string(),
});
export type AlertEvent = z.infer<typeof AlertEvent>;
