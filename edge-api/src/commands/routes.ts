import {
  AuditCursor,
  AuditEntry,
  Command,
  CommandId,
  CommandResult,
  type Dispatched,
  EmitData,
  EmitEvent,
  isSocketCommand,
  isUserCommand,
  RoomName,
  SocketDetail,
} from '@telltale/shared';
import { type Context, Hono } from 'hono';
import { z } from 'zod';
import type { EdgeEnv, EdgeServices } from '../context.ts';
import { adminRoute, body } from '../openapi/describe.ts';
import { fromStore, HttpProblem, ProblemType } from '../problem/index.ts';
import { PageLimit, validate } from '../problem/request.ts';
import { requestDispatcher } from './dispatcher.ts';

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

/** A socket's detail as its owner answered it; `socket` is null in a 207 (the owner did not answer). */
const SocketDetailAnswer = z
  .object({
    commandId: z.string(),
    socketId: z.string(),
    /** The node that holds the socket. */
    nodeId: z.string().nullable(),
    complete: z.boolean(),
    missing: z.array(z.string()),
    error: z.string().nullable(),
    durationMs: z.number().nonnegative(),
    socket: SocketDetail.meta({ id: 'SocketDetail' }).nullable(),
  })
  .meta({ id: 'SocketDetailAnswer' });
type SocketDetailAnswer = z.infer<typeof SocketDetailAnswer>;

const SocketParam = z.object({ id: CommandId });
const UserParam = z.object({ userId: CommandId });
const RoomBody = z.strictObject({ room: RoomName });
const EmitBody = z.strictObject({ event: EmitEvent, data: EmitData.optional() });

const AuditQuery = z.object({
  cursor: AuditCursor.optional(),
  limit: PageLimit,
});

/**
 * The admin commands (disconnect a socket, a user or everyone; broadcast; rate limits; maintenance),
 * each validated with the shared Command schema, plus the audit trail.
 */
export function commandRoutes(s: EdgeServices) {
  const dispatch = requestDispatcher(s);
  const run = async (c: Context<EdgeEnv>, command: Command) =>
    answer(c, await dispatch(c, command), s.config.CLUSTER_ID);

  return new Hono<EdgeEnv>()
    .post(
      '/disconnect/:socketId',
      answered('Disconnect one socket, on the node that holds it (404 if none does)'),
      s.admin,
      s.limit,
      validate('param', input('disconnect-socket')),
      (c) => run(c, { type: 'disconnect-socket', ...c.req.valid('param') }),
    )
    .post(
      '/users/:userId/disconnect',
      answered('Disconnect every socket of a user, on every node (404 if none had one)'),
      s.admin,
      s.limit,
      validate('param', input('disconnect-user')),
      (c) => run(c, { type: 'disconnect-user', ...c.req.valid('param') }),
    )
    .post(
      '/broadcast',
      answered('Emit an event to a namespace, or a room of it, on every node'),
      s.admin,
      s.limit,
      validate('json', input('broadcast')),
      (c) => run(c, { type: 'broadcast', ...c.req.valid('json') }),
    )
    .post(
      '/maintenance',
      answered('Turn maintenance mode on or off on every node'),
      s.admin,
      s.limit,
      validate('json', input('maintenance')),
      (c) => run(c, { type: 'maintenance', ...c.req.valid('json') }),
    )
    .put(
      '/rate-limits',
      answered('Set the per-socket and per-user event rate limits (null: no limit)'),
      s.admin,
      s.limit,
      validate('json', input('rate-limit')),
      (c) => run(c, { type: 'rate-limit', ...c.req.valid('json') }),
    )
    .post(
      '/disconnect-all',
      answered('Emergency: disconnect every socket on every node; the body is optional'),
      s.admin,
      s.limit,
      validate('json', input('disconnect-all'), { optional: true }),
      (c) => run(c, { type: 'disconnect-all', ...c.req.valid('json') }),
    )
    .get(
      '/sockets/:id',
      adminRoute({
        summary: "One socket's detail, asked of the node that holds it (nothing per socket is stored)",
        tags: ['commands'],
        responses: {
          200: { description: 'The owner answered', content: body(SocketDetailAnswer) },
          207: {
            description: 'The owner did not answer by COMMAND_TIMEOUT_MS, or failed (same body, socket null)',
            content: body(SocketDetailAnswer),
          },
        },
      }),
      s.admin,
      s.limit,
      validate('param', SocketParam),
      async (c) => {
        const socketId = c.req.valid('param').id;
        const dispatched = await dispatch(c, { type: 'socket-detail', socketId });
        if (dispatched.kind !== 'complete' && dispatched.kind !== 'partial') {
          nobodyActed(dispatched, s.config.CLUSTER_ID);
        }
        const { result } = dispatched;
        const ack = result.acks[0];
        const detail: SocketDetailAnswer = {
          commandId: result.commandId,
          socketId,
          nodeId: result.targeted[0] ?? null,
          complete: dispatched.kind === 'complete',
          missing: result.missing,
          error: ack?.error ?? null,
          durationMs: result.durationMs,
          socket: ack?.socket ?? null,
        };
        return c.json(detail, detail.complete && detail.socket ? 200 : 207);
      },
    )
    .post(
      '/sockets/:id/join',
      answered('Make one socket join a room, on the node that holds it (404 if none does)'),
      s.admin,
      s.limit,
      validate('param', SocketParam),
      validate('json', RoomBody),
      (c) => run(c, { type: 'socket-join', socketId: c.req.valid('param').id, ...c.req.valid('json') }),
    )
    .post(
      '/sockets/:id/leave',
      answered('Make one socket leave a room, on the node that holds it (404 if none does)'),
      s.admin,
      s.limit,
      validate('param', SocketParam),
      validate('json', RoomBody),
      (c) => run(c, { type: 'socket-leave', socketId: c.req.valid('param').id, ...c.req.valid('json') }),
    )
    .post(
      '/sockets/:id/emit',
      answered('Emit an event to one socket (reserved Socket.IO names refused; data at most 16 KiB as JSON)'),
      s.admin,
      s.limit,
      validate('param', SocketParam),
      validate('json', EmitBody),
      (c) => run(c, { type: 'socket-emit', socketId: c.req.valid('param').id, ...c.req.valid('json') }),
    )
    .post(
      '/users/:userId/join',
      answered('Make every socket of a user join a room, on every node (404 if none had one)'),
      s.admin,
      s.limit,
      validate('param', UserParam),
      validate('json', RoomBody),
      (c) => run(c, { type: 'user-join', ...c.req.valid('param'), ...c.req.valid('json') }),
    )
    .post(
      '/users/:userId/leave',
      answered('Make every socket of a user leave a room, on every node (404 if none had one)'),
      s.admin,
      s.limit,
      validate('param', UserParam),
      validate('json', RoomBody),
      (c) => run(c, { type: 'user-leave', ...c.req.valid('param'), ...c.req.valid('json') }),
    )
    .get(
      '/commands',
      adminRoute({
        summary: 'The audit trail of commands and admin actions, newest first',
        description:
          "Dispatched commands (`command`, `target`, `result`) and, with `kind: 'action'`, the admin changes that are not commands: silences, incidents, maintenance windows and alert rules, each with its actor, role, action, subject, summary and outcome.",
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
}

/** 200 when every node acked cleanly, 207 when some did not (same body), 404/503 when nobody could act. */
function answer(c: Context<EdgeEnv>, dispatched: Dispatched, cluster: string) {
  switch (dispatched.kind) {
    case 'complete':
      return c.json(dispatched.result, 200);
    case 'partial':
      return c.json(dispatched.result, 207);
    default:
      return nobodyActed(dispatched, cluster);
  }
}

/** The 404 / 503 problem for a command no node could act on. */
function nobodyActed(
  dispatched: Exclude<Dispatched, { kind: 'complete' | 'partial' }>,
  cluster: string,
): never {
  switch (dispatched.kind) {
    case 'no-effect': {
      const { command } = dispatched.result;
      const subject = isSocketCommand(command)
        ? `socket '${command.socketId}'`
        : isUserCommand(command)
          ? `a socket of user '${command.userId}'`
          : 'a matching socket';
      throw new HttpProblem({
        status: 404,
        type: ProblemType.notFound,
        title: command.type.startsWith('disconnect') ? 'Nothing to disconnect' : 'Nothing to act on',
        detail: `every targeted node answered and none holds ${subject}`,
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
      if (isUserCommand(command)) {
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
