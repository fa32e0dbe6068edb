import { CommandResult, type Dispatched } from '@telltale/shared';
import {
  TAP_LIMITS,
  type TapEntry,
  TapRecord,
  TapRequest,
  type TapSource,
  tapEnd,
  tapState,
} from '@telltale/shared/tap';
import { Hono } from 'hono';
import { streamSSE } from 'hono/streaming';
import { z } from 'zod';
import { requestDispatcher } from '../commands/dispatcher.ts';
import type { EdgeEnv, EdgeServices } from '../context.ts';
import { adminRoute, body, text } from '../openapi/describe.ts';
import { fromStore, HttpProblem, ProblemType } from '../problem/index.ts';
import { validate } from '../problem/request.ts';

/**
 * How the edge streams a tap: it polls the tap's stream in the store every `pollMs` and writes what
 * is new as Server-Sent Events (`id:` is the stream id, so a client resumes with Last-Event-ID).
 * One stream makes at most `pollsPerStream` polls, then ends for the client to reconnect: on Workers
 * every poll is a subrequest, and a request may make only so many.
 */
export const TAP_STREAM = {
  pollMs: 400,
  pollsPerStream: 36,
  /** Entries per poll; a tap at 1000 events/s on a few nodes stays within a poll's page. */
  pageSize: 1000,
  /** After its end, a tap's stream waits this long for the nodes' last sends before it says `end`. */
  endGraceMs: 2 * TAP_LIMITS.sendEveryMs + 1000,
} as const;

const TapInfo = TapRecord.extend({ state: z.enum(['active', 'ended']) }).meta({ id: 'Tap' });
type TapInfo = z.infer<typeof TapInfo>;
const TapList = z.object({ items: z.array(TapInfo) }).meta({ id: 'TapList' });
const TapAnswer = z
  .object({
    tap: TapInfo,
    /** What the nodes acked; null when stopping a tap no live node runs (nothing was sent). */
    result: CommandResult.meta({ id: 'CommandResult' }).nullable(),
  })
  .meta({ id: 'TapAnswer' });
const TapParam = z.object({ id: z.string().regex(/^[\w-]{1,64}$/, 'is not a tap id') });
const StreamQuery = z.object({
  after: z
    .string()
    .regex(/^\d+-\d+$/, 'must be the id of an event this stream sent')
    .optional()
    .describe('Resume after this entry id (the SSE id; Last-Event-ID does the same)'),
});

const info = (record: TapRecord, now: number): TapInfo => ({ ...record, state: tapState(record, now) });

/**
 * The live event inspector: start a tap (every live node gets it over the command path, acks it,
 * and streams what matches into the tap's bounded stream in the store), list and stop taps, and
 * read a tap live as Server-Sent Events. Taps end by themselves at their duration (≤ 10 min).
 */
export function tapRoutes(s: EdgeServices) {
  const taps = (): TapSource => {
    if (s.taps) return s.taps;
    throw new HttpProblem({
      status: 501,
      title: 'Taps unavailable',
      detail: 'this edge was started without a tap store',
    });
  };
  const find = async (id: string): Promise<TapRecord> => {
    const record = (await fromStore(taps().readTaps())).find((tap) => tap.id === id);
    if (record) return record;
    throw new HttpProblem({
      status: 404,
      type: ProblemType.notFound,
      title: 'Unknown tap',
      detail: `no tap '${id}' (taps are kept ${TAP_LIMITS.retainAfterEndMs / 60_000} min after they end)`,
    });
  };
  const retainMs = (record: TapRecord) => tapEnd(record) - s.now() + TAP_LIMITS.retainAfterEndMs;
  const dispatch = requestDispatcher(s);

  return new Hono<EdgeEnv>()
    .get(
      '/taps',
      adminRoute({
        summary: 'Taps running and recently ended, newest first',
        tags: ['taps'],
        responses: { 200: { description: 'The taps', content: body(TapList) } },
      }),
      s.admin,
      async (c) => {
        const now = s.now();
        const records = await fromStore(taps().readTaps());
        return c.json({ items: records.map((record) => info(record, now)) }, 200);
      },
    )
    .post(
      '/taps',
      adminRoute({
        summary: 'Start a tap: stream matching events from every live node, sampled and rate-capped per node',
        description:
          'Filters: namespace, event (a name, `*` for any characters), socketId, userId, room. Each node reports at most maxEventsPerSecond; the tap ends by itself after durationMs (at most 10 min). Payloads only with payloads: true and where the app allowed them (instrument({ tap: { payloads: true } })), redacted and cut.',
        tags: ['taps'],
        mutation: true,
        responses: {
          201: { description: 'Every live node acked: the tap runs', content: body(TapAnswer) },
          207: {
            description: 'Some node did not ack or refused: it runs where acked (same body)',
            content: body(TapAnswer),
          },
          409: { description: `${TAP_LIMITS.maxActivePerNode} taps run already` },
        },
      }),
      s.admin,
      s.limit,
      validate('json', TapRequest, { optional: true }),
      async (c) => {
        const request = c.req.valid('json');
        const now = s.now();
        const running = (await fromStore(taps().readTaps())).filter((tap) => tapState(tap, now) === 'active');
        if (running.length >= TAP_LIMITS.maxActivePerNode) {
          throw new HttpProblem({
            status: 409,
            title: 'Too many taps',
            detail: `${running.length} taps run already (at most ${TAP_LIMITS.maxActivePerNode}): stop one (${running.map((t) => t.id).join(', ')})`,
          });
        }
        const record: TapRecord = {
          id: crypto.randomUUID(),
          filter: request.filter,
          sampleRate: request.sampleRate,
          maxEventsPerSecond: request.maxEventsPerSecond,
          payloads: request.payloads,
          actor: c.get('principal').actor,
          startedAt: now,
          endsAt: now + request.durationMs,
          stoppedAt: null,
        };
        // Saved first: the nodes write into the tap's stream as soon as they have the command.
        await fromStore(taps().saveTap(record, retainMs(record)));
        const { stoppedAt: _, ...spec } = record;
        const dispatched = await dispatch(c, { type: 'tap-start', tap: spec });
        if (dispatched.kind === 'no-live-node' || dispatched.kind === 'unknown-socket') {
          await fromStore(taps().saveTap({ ...record, stoppedAt: now }, retainMs(record)));
          throw new HttpProblem({
            status: 503,
            title: 'No live node',
            detail: 'no live node to tap: the cluster has none that flushed recently',
          });
        }
        return c.json({ tap: info(record, s.now()), result: dispatched.result }, statusOf(dispatched));
      },
    )
    .post(
      '/taps/:id/stop',
      adminRoute({
        summary: 'Stop a tap before its end',
        tags: ['taps'],
        mutation: true,
        responses: {
          200: { description: 'Every live node acked the stop', content: body(TapAnswer) },
          207: {
            description: 'Some node did not ack (it stops at the end time anyway)',
            content: body(TapAnswer),
          },
          404: { description: 'No such tap' },
        },
      }),
      s.admin,
      s.limit,
      validate('param', TapParam),
      async (c) => {
        const { id } = c.req.valid('param');
        const found = await find(id);
        const now = s.now();
        const record = tapState(found, now) === 'active' ? { ...found, stoppedAt: now } : found;
        await fromStore(taps().saveTap(record, retainMs(record)));
        const dispatched = await dispatch(c, { type: 'tap-stop', tapId: id });
        // No live node: none runs the tap, so there was nothing to tell.
        if (dispatched.kind === 'no-live-node' || dispatched.kind === 'unknown-socket') {
          return c.json({ tap: info(record, now), result: null }, 200);
        }
        return c.json(
          { tap: info(record, s.now()), result: dispatched.result },
          dispatched.kind === 'partial' ? 207 : 200,
        );
      },
    )
    .get(
      '/taps/:id/events',
      adminRoute({
        summary: "A tap's events, live, as Server-Sent Events",
        description: `Each event is \`event: tap\`, \`id:\` its entry id, \`data:\` a TapEvent or a notice (started, dropped, ended, per node). \`event: end\` once the tap ended and its entries were sent. A stream lasts at most ${TAP_STREAM.pollsPerStream} polls of ${TAP_STREAM.pollMs} ms: reconnect with Last-Event-ID (or ?after=) to go on.`,
        tags: ['taps'],
        responses: {
          200: { description: 'An event stream of tap entries', content: text('text/event-stream') },
          404: { description: 'No such tap' },
        },
      }),
      s.admin,
      validate('param', TapParam),
      validate('query', StreamQuery),
      async (c) => {
        const { id } = c.req.valid('param');
        const lastEventId = c.req.header('last-event-id');
        const resume =
          lastEventId && /^\d+-\d+$/.test(lastEventId) ? lastEventId : c.req.valid('query').after;
        // A viewer reads a tap's events, never their payloads.
        const viewer = c.get('principal').role !== 'admin';
        let record = await find(id);
        const source = taps();
        c.header('cache-control', 'no-store');
        c.header('x-accel-buffering', 'no');
        return streamSSE(c, async (stream) => {
          let after = resume ?? null;
          for (let poll = 0; poll < TAP_STREAM.pollsPerStream && !stream.aborted; poll++) {
            const reads = await source.readTapEntries(id, after, TAP_STREAM.pageSize);
            for (const read of reads) {
              const entry = viewer ? withoutPayload(read.entry) : read.entry;
              await stream.writeSSE({ id: read.id, event: 'tap', data: JSON.stringify(entry) });
              after = read.id;
            }
            if (reads.length === 0 && s.now() > tapEnd(record) + TAP_STREAM.endGraceMs) {
              await stream.writeSSE({ event: 'end', data: JSON.stringify({ tapId: id, state: 'ended' }) });
              return;
            }
            // An admin may stop the tap from elsewhere: look at its record now and then.
            if (poll % 5 === 4) record = (await source.readTaps()).find((tap) => tap.id === id) ?? record;
            await stream.sleep(TAP_STREAM.pollMs);
          }
        });
      },
    );
}

function withoutPayload(entry: TapEntry): TapEntry {
  if (entry.kind !== 'event' || entry.payload === undefined) return entry;
  const { payload: _payload, truncated: _truncated, ...rest } = entry;
  return rest;
}

function statusOf(dispatched: Dispatched): 201 | 207 {
  return dispatched.kind === 'partial' ? 207 : 201;
}
