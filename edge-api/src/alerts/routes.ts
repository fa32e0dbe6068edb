import { AlertRule } from '@telltale/shared';
import { Hono } from 'hono';
import { z } from 'zod';
import type { EdgeEnv, EdgeServices } from '../context.ts';
import { fromStore } from '../problem/index.ts';
import { readJson } from '../problem/request.ts';
import { isAlertableMetric } from './metric-path.ts';

const CheckedRule = AlertRule.superRefine((rule, ctx) => {
  if (!isAlertableMetric(rule.metric)) {
    ctx.addIssue({
      code: 'custom',
      path: ['metric'],
      message: `'${rule.metric}' is neither a derived metric nor a numeric path of the cluster view`,
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

export function alertRoutes(s: EdgeServices): Hono<EdgeEnv> {
  const routes = new Hono<EdgeEnv>();

  routes.get('/alerts', s.admin, async (c) => c.json(await s.aggregator.alerts()));

  routes.put('/alerts/rules', s.admin, s.limit, async (c) => {
    const rules = await readJson(c, AlertRules);
    return c.json({ rules: await fromStore(s.aggregator.setRules(rules)) });
  });

  return routes;
}
