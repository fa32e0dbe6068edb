import { z } from 'zod';
import type { SocketRecord } from '../schema/snapshot.ts';
import { InvalidCursorError } from './cursor.ts';
import type { SocketQuery } from './port.ts';

/** Largest page any adapter returns, whatever the caller asks for. */
export const MAX_SOCKET_PAGE = 500;

/**
 * Most socket entries one listSockets call examines before it answers with a cursor. It bounds
 * how long one call holds Redis (a Lua script blocks it: ~2-5 µs per entry), so with a selective
 * filter a page may come back short or empty with a cursor; only a null cursor means the end.
 */
export const SOCKET_SCAN_BUDGET = 2_000;

export function socketPageLimit(limit: number): number {
  if (!Number.isFinite(limit) || limit < 1) return 1;
  return Math.min(Math.floor(limit), MAX_SOCKET_PAGE);
}

/**
 * Position in the walk over every node's sockets hash: nodes are visited in id order, so a
 * node that joins or leaves between pages does not shift the others. `scan` is adapter
 * specific (an HSCAN cursor for Redis, the last socket id for memory); `skip` counts matches
 * of the current scan batch already returned.
 */
export const SocketCursor = z.object({
  node: z.string(),
  scan: z.string(),
  skip: z.number().int().nonnegative(),
});
export type SocketCursor = z.infer<typeof SocketCursor>;

export function encodeSocketCursor(cursor: SocketCursor): string {
  const bytes = new TextEncoder().encode(JSON.stringify([cursor.node, cursor.scan, cursor.skip]));
  let binary = '';
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

/** Throws a caller-facing error on anything that is not a cursor this module produced. */
export function decodeSocketCursor(cursor: string): SocketCursor {
  try {
    const binary = atob(cursor.replace(/-/g, '+').replace(/_/g, '/'));
    const bytes = Uint8Array.from(binary, (char) => char.charCodeAt(0));
    const [node, scan, skip] = z
      .tuple([z.string(), z.string(), z.number().int().nonnegative()])
      .parse(JSON.parse(new TextDecoder().decode(bytes)));
    return { node, scan, skip };
  } catch {
    throw new InvalidCursorError(
      `invalid socket cursor '${cursor.slice(0, 40)}': pass back the nextCursor of a previous page`,
    );
  }
}

/**
 * A socket cursor at the HTTP boundary: it must decode to a position this module produced. What
 * `scan` means is the adapter's (Redis checks it is an HSCAN cursor before any call).
 */
export const SocketCursorToken = z
  .string()
  .max(1000, 'cursor is not one this API issued: pass back the nextCursor of a previous page')
  .refine(
    (token) => {
      try {
        decodeSocketCursor(token);
        return true;
      } catch {
        return false;
      }
    },
    { error: 'cursor is not one this API issued: pass back the nextCursor of a previous page' },
  );

/**
 * Fragments the stored JSON of a matching socket must contain, as written by JSON.stringify:
 * a cheap substring pre-filter so a scan only decodes likely matches.
 */
export function socketNeedles(query: SocketQuery): string[] {
  const needles: string[] = [];
  if (query.namespace !== undefined) needles.push(`"namespace":${JSON.stringify(query.namespace)}`);
  if (query.userId !== undefined) needles.push(`"userId":${JSON.stringify(query.userId)}`);
  if (query.room !== undefined) needles.push(JSON.stringify(query.room));
  if (query.search) needles.push(JSON.stringify(query.search).slice(1, -1));
  return needles;
}

/** The per-socket filters of a query (the node filter is applied to the walk itself). */
export function matchesSocketQuery(record: SocketRecord, query: SocketQuery): boolean {
  if (query.namespace !== undefined && record.namespace !== query.namespace) return false;
  if (query.userId !== undefined && record.userId !== query.userId) return false;
  if (query.room !== undefined && !record.roomNames.includes(query.room)) return false;
  if (query.search) {
    const inId = record.id.includes(query.search);
    const inUser = record.userId?.includes(query.search) ?? false;
    if (!inId && !inUser) return false;
  }
  return true;
}
