import { z } from 'zod';

const MAX_PAGE = 500;

/**
 * The `limit` of a paged query: a whole number from 1 to 500, 50 when absent. Pure zod, so the
 * dashboard's bundle can share it without the HTTP validators.
 */
export const PageLimit = z.coerce
  .number({ error: 'limit must be a number' })
  .int('limit must be a whole number')
  .min(1, 'limit must be at least 1')
  .max(MAX_PAGE, `limit must be at most ${MAX_PAGE}`)
  .default(50);
