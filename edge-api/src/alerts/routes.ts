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
import { recordAdminAction } from '../audit/record.ts';
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

const describeMatchers = (silence: Silence) =>
  `{${silence.matchers.map((m) => `${m.name}${m.isEqual ? '=' : '!='}${m.value}`).join(',')}}`;

/** One line for the audit: what the silence mutes, for how long, and why. */
function describeSilence(silence: Silence): string {
  const minutes = Math.round((silence.endsAt - silence.startsAt) / 60_000);
  return `mutes ${describeMatchers(silence)} for ${minutes} min: ${silence.comment}`;
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
      async (c) => {
        const rules = await fromStore(s.aggregator.setRules(c.req.valid('json')));
        await recordAdminAction(c, s, {
          action: 'alert-rules-replace',
          subject: '*',
          summary: `replaced every rule; now ${rules.length}: ${rules.map((r) => r.id).join(', ')}`,
        });
        return c.json({ rules });
      },
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
          await recordAdminAction(c, s, {
            action: 'alert-rule-put',
            subject: id,
            summary: `refused: the body's id '${rule.id}' is not the path's`,
            outcome: 'refused',
          });
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
          await recordAdminAction(c, s, {
            action: 'alert-rule-put',
            subject: id,
            summary: `refused: ${rules.length} rules already, at most 100`,
            outcome: 'refused',
          });
          throw new HttpProblem({
            status: 409,
            title: 'Rules full',
            detail: `adding '${id}' would make ${rules.length + 1} rules; at most 100 are kept`,
          });
        }
        const now = await fromStore(s.aggregator.setRules(next.data));
        await recordAdminAction(c, s, {
          action: 'alert-rule-put',
          subject: id,
          summary: `${added ? 'added' : 'replaced'} rule '${id}' (${rule.metric} ${rule.comparison} ${rule.threshold}); now ${now.length}`,
        });
        return c.json({ added, rules: now });
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
      async (c) => {
        const request = c.req.valid('json');
        const result = await fromStore(s.aggregator.createSilence(request, c.get('principal').actor));
        await recordAdminAction(c, s, {
          action: 'silence-create',
          ...(result.ok
            ? { subject: result.silence.id, summary: describeSilence(result.silence) }
            : { subject: request.ruleId ?? '-', summary: `refused: ${result.message}`, outcome: 'refused' }),
        });
        return silenceAnswer(c, result, 201);
      },
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
      async (c) => {
        const { id } = c.req.valid('param');
        const result = await fromStore(s.aggregator.expireSilence(id, c.get('principal').actor));
        await recordAdminAction(c, s, {
          action: 'silence-expire',
          subject: id,
          ...(result.ok
            ? { summary: `expired early; it muted ${describeMatchers(result.silence)}` }
            : { summary: `refused: ${result.message}`, outcome: 'refused' }),
        });
        return silenceAnswer(c, result, 200);
      },
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
