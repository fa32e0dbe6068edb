import { AlertEvent, AlertRule, AlertState } from '@telltale/shared';
import { Hono } from 'hono';
import { z } from 'zod';
import type { EdgeEnv, EdgeServices } from '../context.ts';
import { adminRoute, body } from '../openapi/describe.ts';
import { fromStore } from '../problem/index.ts';
import { validate } from '../problem/request.ts';
import { isAlertableMetric } from './metric-path.ts';

const CheckedRule = AlertRule.superRefine((rule, ctx) => {
  for (const field of ['metric', 'confirmMetric'] as const) {
    const metric = rule[field];
    if (metric === undefined || isAlertableMetric(metric)) continue;
    ctx.addIssue({
      code: 'custom',
      path: [field],
      message: `'${metric}' is neither a derived or SLO metric nor a numeric path of the cluster view`,
    });
  }
});

export const AlertRules = z
  .array(CheckedRule, { error: 'body must be a JSON array of alert rules' })
  .max(100, 'at most 100 rules')
  .superRefine((rules, ctx) => {
    const seen = new Set<string>();
    rules.forEach((rule, i) => {
      if (seen.has(rule.id))
        ctx.addIssue({ code: 'custom', path: [i, 'id'], message: `duplicate rule id '${rule.id}'` });
      seen.add(rule.id);
    });
  });

const Alerts = z.looseObject({
  active: z.array(AlertState),
  history: z.array(AlertEvent),
  rules: z.array(AlertRule),
});

export function alertRoutes(s: EdgeServices) {
  return new Hono<EdgeEnv>()
    .get(
      '/alerts',
      adminRoute({
        summary: 'Active alerts, state history and rules',
        tags: ['alerts'],
        responses: { 200: { description: 'Alert state', content: body(Alerts) } },
      }),
      s.admin,
      async (c) => c.json(await s.aggregator.alerts()),
    )
    .put(
      '/alerts/rules',
      adminRoute({
        summary: 'Replace the alert rules (a JSON array)',
        tags: ['alerts'],
        mutation: true,
        responses: {
          200: {
            description: 'The rules now in force',
            content: body(z.object({ rules: z.array(AlertRule) })),
          },
        },
      }),
      s.admin,
      s.limit,
      validate('json', AlertRules),
      async (c) => c.json({ rules: await fromStore(s.aggregator.setRules(c.req.valid('json'))) }),
    );
}
