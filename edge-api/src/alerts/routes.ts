import {
  AlertEvent,
  AlertRule,
  AlertState,
  BURN_RATE_WINDOWS,
  Silence,
  SilenceRequest,
  SilenceStatus,
} from '@telltale/shared';
import { type Context, Hono } from 'hono';
import { z } from 'zod';
import type { SilenceResult } from '../aggregator/aggregator.ts';
import type { EdgeEnv, EdgeServices } from '../context.ts';
import { adminRoute, body } from '../openapi/describe.ts';
import { fromStore, HttpProblem, ProblemType } from '../problem/index.ts';
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

const ReportedSilence = Silence.extend({ status: SilenceStatus }).meta({ id: 'Silence' });
const ReportedAlert = AlertState.extend({
  /** The silence muting this alert's notifications; null when none does. */
  silencedBy: z.string().nullable(),
});

const Alerts = z.looseObject({
  active: z.array(ReportedAlert),
  history: z.array(AlertEvent),
  rules: z.array(AlertRule),
  silences: z.array(ReportedSilence),
});

const SilenceId = z.object({
  id: z
    .string()
    .max(64, 'a silence id is at most 64 characters')
    .regex(/^[\w-]+$/, 'a silence id is letters, digits, _ and -'),
});

const Slo = z
  .object({
    target: z.number(),
    windowMs: z.number(),
    good: z.number().int(),
    bad: z.number().int(),
    availability: z.number().nullable(),
    errorBudgetRemaining: z.number().nullable(),
    burnRates: z.object(
      Object.fromEntries(Object.keys(BURN_RATE_WINDOWS).map((w) => [w, z.number().nullable()])) as Record<
        keyof typeof BURN_RATE_WINDOWS,
        z.ZodNullable<z.ZodNumber>
      >,
    ),
    definition: z.string(),
  })
  .meta({ id: 'SloReport' });

/** A refused silence change as a problem: 404 for an unknown id, 409 when it conflicts with what is. */
function silenceAnswer(c: Context<EdgeEnv>, result: SilenceResult, status: 200 | 201) {
  if (result.ok) return c.json({ silence: result.silence }, status);
  const { reason, message } = result;
  if (reason === 'not-found')
    throw new HttpProblem({
      status: 404,
      type: ProblemType.notFound,
      title: 'No such silence',
      detail: message,
    });
  if (reason === 'starts-too-late')
    throw new HttpProblem({
      status: 400,
      type: ProblemType.validation,
      title: 'Invalid silence',
      detail: message,
    });
  throw new HttpProblem({ status: 409, title: 'Silence refused', detail: message });
}

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
    )
    .put(
      '/alerts/rules/:id',
      adminRoute({
        summary: 'Replace one alert rule by id, or add it; the other rules stay as they are',
        tags: ['alerts'],
        mutation: true,
        responses: {
          200: {
            description: 'The rules now in force, and whether this one was added',
            content: body(z.object({ added: z.boolean(), rules: z.array(AlertRule) })),
          },
        },
      }),
      s.admin,
      s.limit,
      validate('param', AlertRule.pick({ id: true })),
      validate('json', CheckedRule),
      async (c) => {
        const { id } = c.req.valid('param');
        const rule = c.req.valid('json');
        if (rule.id !== id) {
          throw new HttpProblem({
            status: 400,
            type: ProblemType.validation,
            title: 'Rule id mismatch',
            detail: `body.id: the rule's id '${rule.id}' is not the '${id}' of the path`,
          });
        }
        const { rules } = await s.aggregator.alerts();
        const added = !rules.some((r) => r.id === id);
        const next = AlertRules.safeParse(
          added ? [...rules, rule] : rules.map((r) => (r.id === id ? rule : r)),
        );
        if (!next.success) {
          throw new HttpProblem({
            status: 409,
            title: 'Rules full',
            detail: `adding '${id}' would make ${rules.length + 1} rules; at most 100 are kept`,
          });
        }
        return c.json({ added, rules: await fromStore(s.aggregator.setRules(next.data)) });
      },
    )
    .get(
      '/silences',
      adminRoute({
        summary: 'Silences: pending and active first, then expired ones (kept 7 days)',
        tags: ['alerts'],
        responses: {
          200: {
            description: 'Every silence kept',
            content: body(z.object({ silences: z.array(ReportedSilence) })),
          },
        },
      }),
      s.admin,
      async (c) => c.json({ silences: await s.aggregator.silences() }),
    )
    .post(
      '/silences',
      adminRoute({
        summary: 'Mute an alert rule, or the alerts matching labels, for a while',
        description:
          'Alerts still evaluate and show (with `silencedBy`); no webhook or Alertmanager notification goes out for them until the silence ends. A firing held back is sent when it ends, if the alert still fires. At most 100 pending or active silences.',
        tags: ['alerts'],
        mutation: true,
        responses: {
          201: { description: 'The silence created', content: body(z.object({ silence: ReportedSilence })) },
          409: {
            description: 'Too many open silences',
            content: body(z.looseObject({ detail: z.string() }), 'application/problem+json'),
          },
        },
      }),
      s.admin,
      s.limit,
      validate('json', SilenceRequest),
      async (c) =>
        silenceAnswer(
          c,
          await fromStore(s.aggregator.createSilence(c.req.valid('json'), c.get('principal').actor)),
          201,
        ),
    )
    .delete(
      '/silences/:id',
      adminRoute({
        summary: 'Expire a silence now',
        tags: ['alerts'],
        mutation: true,
        responses: {
          200: { description: 'The silence, expired', content: body(z.object({ silence: ReportedSilence })) },
          404: {
            description: 'No silence with this id',
            content: body(z.looseObject({ detail: z.string() }), 'application/problem+json'),
          },
          409: {
            description: 'It already ended',
            content: body(z.looseObject({ detail: z.string() }), 'application/problem+json'),
          },
        },
      }),
      s.admin,
      s.limit,
      validate('param', SilenceId),
      async (c) =>
        silenceAnswer(
          c,
          await fromStore(s.aggregator.expireSilence(c.req.valid('param').id, c.get('principal').actor)),
          200,
        ),
    )
    .get(
      '/slo',
      adminRoute({
        summary: 'The availability SLO: availability and error budget over SLO_WINDOW, burn rates',
        tags: ['alerts'],
        responses: { 200: { description: 'The SLO now', content: body(Slo) } },
      }),
      s.admin,
      async (c) => c.json(await s.aggregator.slo()),
    );
}
