import type { Context } from 'hono';
import type { EdgeServices } from './context.ts';

/**
 * `?fresh=1` makes /health and /metrics read the store now instead of answering from the last tick.
 * Each fresh read is a store round trip, so only admins and viewers may ask; anyone else gets a 401/403 problem.
 */
export async function wantsFresh(c: Context, s: EdgeServices): Promise<boolean> {
  const fresh = c.req.query('fresh');
  if (fresh === undefined || fresh === '0' || fresh === 'false') return false;
  await s.auth.reader(c.req.header('authorization'));
  return true;
}
