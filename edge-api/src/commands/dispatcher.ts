import { type Command, commandSigner, type Dispatched, dispatchCommand } from '@telltale/shared';
import type { Context } from 'hono';
import type { EdgeEnv, EdgeServices } from '../context.ts';
import { fromStore } from '../problem/index.ts';

/** Sends one command for the request's principal and waits for its acks (store failures become 503). */
export type RequestDispatch = (c: Context<EdgeEnv>, command: Command) => Promise<Dispatched>;

/** The edge's side of the command protocol, bound to this edge's store, timeout and signing key. */
export function requestDispatcher(s: EdgeServices): RequestDispatch {
  const signer = s.config.COMMAND_SIGNING_KEY ? commandSigner(s.config.COMMAND_SIGNING_KEY) : null;
  return (c, command) =>
    fromStore(
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
