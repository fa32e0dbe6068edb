import { AuditCursor, Command, type CommandResult, commandSigner } from '@telltale/shared';
import { type Context, Hono } from 'hono';
import { z } from 'zod';
import type { EdgeEnv, EdgeServices } from '../context.ts';
import { fromStore, HttpProblem, ProblemType, validationProblem } from '../problem/index.ts';
import { PageLimit, readJson, readQuery } from '../problem/request.ts';
import { dispatchCommand, resultStatus } from './dispatch.ts';

const JsonObject = z.record(z.string(), z.unknown(), { error: 'body must be a JSON object' });

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

  const run = async (c: Context<EdgeEnv>, input: Record<string, unknown>, from: 'body' | 'path' = 'body') => {
    const parsed = Command.safeParse(input);
    if (!parsed.success) throw validationProblem(from, parsed.error);
    const result = await dispatchCommand(
      {
        store: s.store,
        cluster: s.config.CLUSTER_ID,
        timeoutMs: s.config.COMMAND_TIMEOUT_MS,
        signer,
        now: s.now,
        background: backgroundOf(c),
      },
      parsed.data,
      c.get('principal').actor,
    );
    return answer(c, result);
  };

  routes.post('/disconnect/:socketId', s.admin, s.limit, (c) =>
    run(c, { type: 'disconnect-socket', socketId: c.req.param('socketId') }, 'path'),
  );
  routes.post('/users/:userId/disconnect', s.admin, s.limit, (c) =>
    run(c, { type: 'disconnect-user', userId: c.req.param('userId') }, 'path'),
  );
  routes.post('/broadcast', s.admin, s.limit, async (c) =>
    run(c, { ...(await readJson(c, JsonObject)), type: 'broadcast' }),
  );
  routes.post('/maintenance', s.admin, s.limit, async (c) =>
    run(c, { ...(await readJson(c, JsonObject)), type: 'maintenance' }),
  );
  routes.put('/rate-limits', s.admin, s.limit, async (c) =>
    run(c, { ...(await readJson(c, JsonObject)), type: 'rate-limit' }),
  );
  routes.post('/disconnect-all', s.admin, s.limit, async (c) => {
    const body =
      c.req.header('content-length') === '0' || !c.req.header('content-type')
        ? {}
        : await readJson(c, JsonObject);
    return run(c, { ...body, type: 'disconnect-all' });
  });

  routes.get('/commands', s.admin, async (c) => {
    const { cursor, limit } = readQuery(c, AuditQuery);
    return c.json(await fromStore(s.store.readAudit(s.config.CLUSTER_ID, { cursor, limit })));
  });

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

function answer(c: Context<EdgeEnv>, result: CommandResult): Response {
  const status = resultStatus(result);
  if (status === null) {
    const command = result.command;
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
      extensions: { result },
    });
  }
  return c.json(result, status);
}
