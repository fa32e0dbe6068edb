import { AlertState, ClusterView, HealthStatus } from '@telltale/shared';
import { z } from 'zod';
import type { LatestView } from '../aggregator/aggregator.ts';

/** The live feed's update message, as `GET /admin/live/update` answers it (polling clients). */
export const FeedUpdate = z
  .object({
    type: z.literal('update'),
    at: z.number().int(),
    forced: z.boolean(),
    status: HealthStatus,
    reason: z.string().nullable(),
    view: ClusterView.nullable(),
    error: z.string().nullable(),
    alerts: z.array(AlertState),
  })
  .meta({ id: 'FeedUpdate', description: 'One live-feed update: the admin view, health and alerts' });
export type FeedUpdate = z.infer<typeof FeedUpdate>;

export const FeedUpdateQuery = z.object({
  fresh: z
    .enum(['0', '1', 'true', 'false'])
    .optional()
    .describe('1 or true: read the store now instead of answering from the last tick'),
});

/** The update for one view, as the feeds push it (`updateMessage` in the aggregator is its JSON). */
export function feedUpdate(latest: LatestView, forced: boolean): FeedUpdate {
  return {
    type: 'update',
    at: latest.at,
    forced,
    status: latest.health.status,
    reason: latest.health.output ?? null,
    view: latest.view,
    error: latest.error,
    alerts: latest.alerts,
  };
}
