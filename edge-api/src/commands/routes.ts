import {
  AuditCursor,
  AuditEntry,
  Command,
  CommandResult,
  commandSigner,
  type Dispatched,
  dispatchCommand,
} from '@telltale/shared';
import { type Context, Hono } from 'hono';
import { z } from 'zod';
import type { EdgeEnv, EdgeServices } from '../context.ts';
import { adminRoute, body } from '../openapi/describe.ts';
import { fromStore, HttpProblem, ProblemType } from '../problem/index.ts';
import { PageLimit, validate } from '../problem/request.ts';

/** What a route takes for one command type: the shared Command schema's variant without `type`. */
function input<T extends Command['type']>(type: T) {
  const variant = Command.options.find((option) => option.shape.type.value === type);
  if (!variant) throw new Error(`no command of type '${type}'`);
  return (variant as z.ZodObject).omit({ type: true }) as unknown as z.ZodType<
    Omit<Extract<Command, { type: T }>, 'type'>
  >;
}

const Result = CommandResult.meta({ id: 'CommandResult' });

const AuditPage = z.object({
  items: z.array(AuditEntry.meta({ id: 'AuditEntry' })),
  nextCursor: z.string().nullable(),
});

const answered = (summary: string) =>
  adminRoute({
    summary,
    tags: ['commands'],
    mutation: true,
    responses: {
      200: { description: 'Every targeted node acked', content: body(Result) },
      207: {
        description: 'Some node did not answer by COMMAND_TIMEOUT_MS or reported an error (same body)',
        content: body(Result),
      },
    },
  });

const AuditQuery = z.object({
  cursor: AuditCursor.optional(),
  limit: PageLimit,
});

/**
 * The admin commands (disconnect a socket, a user or everyone; broadcast; rate limits; maintenance),
 * each validated with the shared Command schema, plus the audit trail.
 */
export function commandRoutes(s: EdgeServices): Hono<EdgeEnv> {
  const routes = new Hono<EdgeEnv>();
  const signer = s.config.COMMAND_SIGNING_KEY ? commandSigner(s.config.COMMAND_SIGNING_KEY) : null;

  const run = async (c: Context<EdgeEnv>, command: Command) => {
    const dispatched = await fromStore(
      dispatchCommand(
        {
          store: s.store,
          timeoutMs: s.config.COMMAND_TIMEOUT_MS,
          signer,
          now: s.now,
          background: backgroundOf(c),
        },
        command,
        c.get('principal').actor,
      ),
    );
    return answer(c, dispatched, s.config.CLUSTER_ID);
  };

  routes.post(
    '/disconnect/:socketId',
    answered('Disconnect one socket, on the node that holds it (404 if none does)'),
    s.admin,
    s.limit,
    validate('param', input('disconnect-socket')),
    (c) => run(c, { type: 'disconnect-socket', ...c.req.valid('param') }),
  );
  routes.post(
    '/users/:userId/disconnect',
    answered('Disconnect every socket of a user, on every node (404 if none had one)'),
    s.admin,
    s.limit,
    validate('param', input('disconnect-user')),
    (c) => run(c, { type: 'disconnect-user', ...c.req.valid('param') }),
  );
  routes.post(
    '/broadcast',
    answered('Emit an event to a namespace, or a room of it, on every node'),
    s.admin,
    s.limit,
    validate('json', input('broadcast')),
    (c) => run(c, { type: 'broadcast', ...c.req.valid('json') }),
  );
  routes.post(
    '/maintenance',
    answered('Turn maintenance mode on or off on every node'),
    s.admin,
    s.limit,
    validate('json', input('maintenance')),
    (c) => run(c, { type: 'maintenance', ...c.req.valid('json') }),
  );
  routes.put(
    '/rate-limits',
    answered('Set the per-socket and per-user event rate limits (null: no limit)'),
    s.admin,
    s.limit,
    validate('json', input('rate-limit')),
    (c) => run(c, { type: 'rate-limit', ...c.req.valid('json') }),
  );
  routes.post(
    '/disconnect-all',
    answered('Emergency: disconnect every socket on every node; the body is optional'),
    s.admin,
    s.limit,
    validate('json', input('disconnect-all'), { optional: true }),
    (c) => run(c, { type: 'disconnect-all', ...c.req.valid('json') }),
  );

  routes.get(
    '/commands',
    adminRoute({
      summary: 'The audit trail of commands, newest first',
      tags: ['commands'],
      responses: { 200: { description: 'One page of audit entries', content: body(AuditPage) } },
    }),
    s.admin,
    validate('query', AuditQuery),
    async (c) => {
      const { cursor, limit } = c.req.valid('query');
      return c.json(await fromStore(s.store.readAudit({ cursor, limit })));
    },
  );

  return routes;
}

/** On Workers, work after the response must be handed to `waitUntil`, or the isolate may drop it. */
function backgroundOf(c: Context<EdgeEnv>): ((work: Promise<void>) => void) | undefined {
  try {
    const context = c.executionCtx;
    return (work) => context.waitUntil(work);
  } catch {
    // Hono throws when the runtime gave no ExecutionContext (Node): the work just runs on.
    return undefined;
  }
}

/** 200 when every node acked cleanly, 207 when some did not (same body), 404/503 when nobody could act. */
function answer(c: Context<EdgeEnv>, dispatched: Dispatched, cluster: string): Response {
  switch (dispatched.kind) {
    case 'complete':
      return c.json(dispatched.result, 200);
    case 'partial':
      return c.json(dispatched.result, 207);
    case 'no-effect': {
      const { command } = dispatched.result;
      const subject =
        command.type === 'disconnect-socket'
          ? `socket '${command.socketId}'`
          : command.type === 'disconnect-user'
            ? `user '${command.userId}'`
            : 'target';
      throw new HttpProblem({
        status: 404,
        type: ProblemType.notFound,
        title: 'Nothing to disconnect',
        detail: `every targeted node answered and none holds a socket of ${subject}`,
        extensions: { result: dispatched.result },
      });
    }
    case 'unknown-socket':
      throw new HttpProblem({
        status: 404,
        type: ProblemType.notFound,
        title: 'Unknown socket',
        detail: `no live node reports socket '${dispatched.command.socketId}'`,
      });
    case 'no-live-node': {
      const { command } = dispatched;
      if (command.type === 'disconnect-user') {
        throw new HttpProblem({
          status: 404,
          type: ProblemType.notFound,
          title: 'Unknown user',
          detail: `no live node to hold sockets of user '${command.userId}'`,
        });
      }
      throw new HttpProblem({
        status: 503,
        type: ProblemType.noLiveNode,
        title: 'No live socket node',
        detail: `no socket node of cluster '${cluster}' is live, so nobody would run '${command.type}'`,
      });
    }
  }
}
