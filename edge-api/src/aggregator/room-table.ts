import { InvalidCursorError } from '@telltale/shared';
import { z } from 'zod';
import { PageLimit } from '../problem/page-limit.ts';

export interface RoomRow {
  name: string;
  size: number;
}

export const RoomQuery = z.object({
  prefix: z.string().max(200).optional(),
  cursor: z.string().max(500).optional(),
  limit: PageLimit,
});
export type RoomQuery = z.infer<typeof RoomQuery>;

export interface RoomPage {
  items: RoomRow[];
  nextCursor: string | null;
  /** Rooms in the table (after the prefix filter). */
  total: number;
  /** True when a node capped its room list, so the table misses some small rooms. */
  approximate: boolean;
}

const Cursor = z.tuple([z.number().int().nonnegative(), z.string()]);

const encodeCursor = (row: RoomRow) =>
  btoa(encodeURIComponent(JSON.stringify([row.size, row.name])))
    .replaceAll('+', '-')
    .replaceAll('/', '_')
    .replaceAll('=', '');

function decodeCursor(cursor: string): RoomRow {
  try {
    const [size, name] = Cursor.parse(
      JSON.parse(decodeURIComponent(atob(cursor.replaceAll('-', '+').replaceAll('_', '/')))),
    );
    return { name, size };
  } catch {
    throw new InvalidCursorError(`cursor '${cursor.slice(0, 40)}' is not one this API issued`);
  }
}

/** Largest first, then by name: the order rooms are listed in, and what keyset cursors follow. */
export function compareRooms(a: RoomRow, b: RoomRow): number {
  return b.size - a.size || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);
}

/**
 * One page of the merged room table. Cursors are keysets (size, name), not offsets, so a page
 * boundary stays put when the table is rebuilt between requests.
 */
export function pageRooms(sorted: readonly RoomRow[], query: RoomQuery, approximate: boolean): RoomPage {
  const rows = query.prefix ? sorted.filter((r) => r.name.startsWith(query.prefix!)) : sorted;
  let start = 0;
  if (query.cursor) {
    const after = decodeCursor(query.cursor);
    let lo = 0;
    let hi = rows.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (compareRooms(rows[mid]!, after) <= 0) lo = mid + 1;
      else hi = mid;
    }
    start = lo;
  }
  const items = rows.slice(start, start + query.limit);
  const last = items[items.length - 1];
  const more = start + items.length < rows.length;
  return {
    items,
    nextCursor: more && last ? encodeCursor(last) : null,
    total: rows.length,
    approximate,
  };
}
