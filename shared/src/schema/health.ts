import { z } from 'zod';

export const HealthStatus = z.enum(['pass', 'warn', 'fail']);
export type HealthStatus = z.infer<typeof HealthStatus>;

/** One entry of an IETF health+json check (draft-inadarei-api-health-check). */
export const HealthCheck = z.object({
  componentId: z.string().optional(),
  componentType: z.string().optional(),
  observedValue: z.union([z.number(), z.string(), z.boolean()]).optional(),
  observedUnit: z.string().optional(),
  status: HealthStatus,
  time: z.string().optional(),
  output: z.string().optional(),
});
export type HealthCheck = z.infer<typeof HealthCheck>;

export const HealthReport = z.object({
  status: HealthStatus,
  version: z.string().optional(),
  releaseId: z.string().optional(),
  serviceId: z.string(),
  description: z.string(),
  output: z.string().optional(),
  notes: z.array(z.string()).optional(),
  /** Keyed `component:measurement`, each an array (one entry per node where it applies). */
  checks: z.record(z.string(), z.array(HealthCheck)),
});
export type HealthReport = z.infer<typeof HealthReport>;
