import { z } from 'zod';
import type { PresenceRecord, PresenceStatus } from './port.ts';

/**
 * One node's share of a user's presence, stored as a field of the user's presence hash.
 * It carries its own expiry because the hash's TTL is shared by every node writing to it.
 */
export const PresenceShare = z.object({
  status: z.enum(['online', 'away']),
  sockets: z.number().int().nonnegative(),
  at: z.number().int(),
  expiresAt: z.number().int(),
});
export type PresenceShare = z.infer<typeof PresenceShare>;

export function presenceShare(
  entry: { status: PresenceStatus; sockets: number },
  now: number,
  ttlMs: number,
): PresenceShare {
  return { status: entry.status, sockets: entry.sockets, at: now, expiresAt: now + ttlMs };
}

/** Folds the live shares of every node into one record; null when no node holds the user. */
export function foldPresence(
  userId: string,
  shares: Iterable<[nodeId: string, raw: string]>,
  now: number,
): PresenceRecord | null {
  const nodes: Record<string, number> = {};
  let online = false;
  let updatedAt = 0;
  let any = false;
  for (const [nodeId, raw] of shares) {
    const share = parseShare(raw);
    if (!share || share.expiresAt <= now || share.sockets === 0) continue;
    any = true;
    nodes[nodeId] = share.sockets;
    online ||= share.status === 'online';
    updatedAt = Math.max(updatedAt, share.at);
  }
  if (!any) return null;
  return { userId, status: online ? 'online' : 'away', nodes, updatedAt };
}

function parseShare(raw: string): PresenceShare | null {
  try {
    const parsed = PresenceShare.safeParse(JSON.parse(raw));
    return parsed.success ? parsed.data : null;
  } catch {
    return null;
  }
}
