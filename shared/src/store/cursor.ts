import { z } from 'zod';

/**
 * Every adapter throws this for a cursor it did not issue: the caller's mistake (a 400), never a
 * store fault. Matched by `name` too, since the class does not survive a Durable Object stub.
 */
export class InvalidCursorError extends Error {
  override name = 'InvalidCursorError';
}

const UINT64_MAX = 18_446_744_073_709_551_615n;

/** A decimal unsigned 64-bit integer without leading zeros: a Redis HSCAN cursor or stream id part. */
export function isUint64(text: string): boolean {
  return /^(0|[1-9]\d{0,19})$/.test(text) && BigInt(text) <= UINT64_MAX;
}

const AUDIT_CURSOR_HINT = 'pass back the nextCursor of a previous page';

/** `<ms>-<seq>` where both parts are unsigned 64-bit and the id is above 0-0 (no entry is older). */
export function isAuditCursor(text: string): boolean {
  const parts = text.split('-');
  return parts.length === 2 && parts.every(isUint64) && text !== '0-0';
}

/**
 * An audit cursor as every adapter issues it: a Redis stream id `<ms>-<seq>` (the memory store
 * issues `0-<seq>`). Validated before any store call, so a crafted id never reaches Redis.
 */
export const AuditCursor = z
  .string()
  .max(41, `cursor is not one this API issued: ${AUDIT_CURSOR_HINT}`)
  .refine(isAuditCursor, `cursor is not one this API issued: ${AUDIT_CURSOR_HINT}`);

export function assertAuditCursor(cursor: string): void {
  if (!isAuditCursor(cursor)) {
    throw new InvalidCursorError(`invalid audit cursor '${cursor.slice(0, 40)}': ${AUDIT_CURSOR_HINT}`);
  }
}
