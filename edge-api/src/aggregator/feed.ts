import type { AlertState, ClusterView, HealthStatus } from '@telltale/shared';
import { z } from 'zod';

/** What a live-feed client may send: subscribe, pause, resume, force an update. */
export const FeedClientMessage = z.discriminatedUnion('type', [
  z.object({ type: z.literal('subscribe') }),
  z.object({ type: z.literal('pause') }),
  z.object({ type: z.literal('resume') }),
  z.object({ type: z.literal('force-update') }),
]);
export type FeedClientMessage = z.infer<typeof FeedClientMessage>;

export type FeedServerMessage =
  | { type: 'hello'; cluster: string; intervalMs: number; paused: boolean }
  | {
      type: 'update';
      at: number;
      /** True when the client asked for it (force-update) rather than the tick. */
      forced: boolean;
      status: HealthStatus;
      /** Why the status is not pass (the health report's output); null when it passes. */
      reason: string | null;
      view: ClusterView | null;
      error: string | null;
      alerts: AlertState[];
    }
  | { type: 'status'; paused: boolean }
  | { type: 'error'; message: string };

/** Parses one client frame; a bad frame gets an error message back, never a dropped connection. */
export function parseFeedMessage(raw: string | ArrayBuffer): FeedClientMessage | { error: string } {
  const text = typeof raw === 'string' ? raw : new TextDecoder().decode(raw);
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return { error: 'message is not JSON; send {"type":"subscribe"|"pause"|"resume"|"force-update"}' };
  }
  const parsed = FeedClientMessage.safeParse(json);
  if (!parsed.success) {
    return { error: `unknown message; type must be one of subscribe, pause, resume, force-update` };
  }
  return parsed.data;
}
