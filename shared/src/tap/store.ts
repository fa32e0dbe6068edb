import { clusterKeys } from '../keys/index.ts';
import type { RedisTransport } from '../store/redis-store.ts';
import type { LuaScript } from '../store/scripts.ts';
import { TAP_LIMITS, TapEntry, TapRecord } from './schema.ts';

/** What a node does with a tap: appends what it caught to the tap's bounded stream. */
export interface TapSink {
  /**
   * Appends entries to the tap's stream in one round trip; the stream keeps the newest
   * `TAP_LIMITS.entriesKept` and expires `retainMs` from now.
   */
  appendTap(tapId: string, entries: readonly TapEntry[], retainMs: number): Promise<void>;
}

/** One entry as read back, with the stream id to resume after. */
export interface TapRead {
  id: string;
  entry: TapEntry;
}

/** What the edge does with taps: keeps their records and reads their streams. */
export interface TapSource {
  /** Writes the tap's record (a new tap, or one stopped early); records expire `retainMs` from now. */
  saveTap(record: TapRecord, retainMs: number): Promise<void>;
  /** Every tap whose record has not expired, newest first. */
  readTaps(): Promise<TapRecord[]>;
  /** Up to `limit` entries after stream id `after` (null: from the start), oldest first. */
  readTapEntries(tapId: string, after: string | null, limit: number): Promise<TapRead[]>;
}

export type TapStore = TapSink & TapSource;

/** Where taps live in Redis, under the cluster's hash tag like every other key. */
export function tapKeys(cluster: string) {
  const { prefix } = clusterKeys(cluster);
  return {
    /** Hash: tap id → TapRecord JSON. */
    records: `${prefix}:taps`,
    /** Stream of one tap's entries, capped and expiring. */
    entries: (tapId: string) => `${prefix}:tap:${tapId}`,
  };
}

const script = (name: string, source: string): LuaScript => ({ name, source: source.trim() });

/** KEYS: stream. ARGV: max length, TTL ms, entries… → number of entries added. */
const APPEND_TAP = script(
  'append-tap',
  `
for i = 3, #ARGV do
  redis.call('XADD', KEYS[1], 'MAXLEN', ARGV[1], '*', 'e', ARGV[i])
end
redis.call('PEXPIRE', KEYS[1], ARGV[2])
return #ARGV - 2
`,
);

/** KEYS: stream. ARGV: start ('-' or '(' .. id), count → flat [id, entry, …]. */
const READ_TAP = script(
  'read-tap',
  `
local rows = redis.call('XRANGE', KEYS[1], ARGV[1], '+', 'COUNT', ARGV[2])
local out = {}
for _, row in ipairs(rows) do
  out[#out + 1] = row[1]
  out[#out + 1] = row[2][2]
end
return out
`,
);

/** KEYS: records. ARGV: id, record, TTL ms. The hash lives as long as its newest record needs. */
const SAVE_TAP = script(
  'save-tap',
  `
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
if redis.call('PTTL', KEYS[1]) < tonumber(ARGV[3]) then redis.call('PEXPIRE', KEYS[1], ARGV[3]) end
return 1
`,
);

/** KEYS: records → flat [id, record, …]. */
const READ_TAPS = script('read-taps', `return redis.call('HGETALL', KEYS[1])`);

const STREAM_ID = /^\d+-\d+$/;

/** The tap ports over a Redis transport (ioredis or Upstash REST): Lua scripts, one round trip each. */
export function redisTaps(
  transport: RedisTransport,
  cluster: string,
  now: () => number = Date.now,
): TapStore {
  const keys = tapKeys(cluster);
  return {
    async appendTap(tapId, entries, retainMs) {
      if (entries.length === 0) return;
      await transport.script(
        APPEND_TAP,
        [keys.entries(tapId)],
        [
          String(TAP_LIMITS.entriesKept),
          String(Math.max(1, Math.ceil(retainMs))),
          ...entries.map((e) => JSON.stringify(e)),
        ],
      );
    },

    async saveTap(record, retainMs) {
      await transport.script(
        SAVE_TAP,
        [keys.records],
        [record.id, JSON.stringify(record), String(Math.max(1, Math.ceil(retainMs)))],
      );
    },

    async readTaps() {
      const flat = await transport.script(READ_TAPS, [keys.records], []);
      const records: TapRecord[] = [];
      if (Array.isArray(flat)) {
        for (let i = 1; i < flat.length; i += 2) {
          const record = decode(TapRecord, flat[i]);
          if (record && now() < record.endsAt + TAP_LIMITS.retainAfterEndMs) records.push(record);
        }
      }
      return records.sort((a, b) => b.startedAt - a.startedAt);
    },

    async readTapEntries(tapId, after, limit) {
      if (after !== null && !STREAM_ID.test(after))
        throw new Error(`tap cursor '${after.slice(0, 40)}' is not a stream id`);
      const flat = await transport.script(
        READ_TAP,
        [keys.entries(tapId)],
        [after === null ? '-' : `(${after}`, String(Math.max(1, Math.floor(limit)))],
      );
      const reads: TapRead[] = [];
      if (Array.isArray(flat)) {
        for (let i = 0; i + 1 < flat.length; i += 2) {
          const entry = decode(TapEntry, flat[i + 1]);
          if (entry) reads.push({ id: String(flat[i]), entry });
        }
      }
      return reads;
    },
  };
}

function decode<T>(
  schema: { safeParse(v: unknown): { success: true; data: T } | { success: false } },
  raw: unknown,
): T | null {
  if (typeof raw !== 'string') return null;
  try {
    const parsed = schema.safeParse(JSON.parse(raw));
    return parsed.success ? parsed.data : null;
  } catch {
    return null;
  }
}

/** One cluster's taps in memory, for the memory store: the same bounds and expiry as in Redis. */
export function memoryTaps(now: () => number = Date.now): TapStore {
  const records = new Map<string, { record: TapRecord; expiresAt: number }>();
  const streams = new Map<string, { rows: TapRead[]; expiresAt: number; lastMs: number; seq: number }>();
  const liveStream = (tapId: string) => {
    const stream = streams.get(tapId);
    if (stream && stream.expiresAt <= now()) streams.delete(tapId);
    return streams.get(tapId);
  };
  return {
    async appendTap(tapId, entries, retainMs) {
      if (entries.length === 0) return;
      const stream = liveStream(tapId) ?? { rows: [], expiresAt: 0, lastMs: 0, seq: 0 };
      streams.set(tapId, stream);
      for (const entry of entries) {
        const ms = Math.max(now(), stream.lastMs);
        stream.seq = ms === stream.lastMs ? stream.seq + 1 : 0;
        stream.lastMs = ms;
        // A copy, as Redis would hand back: no caller shares an object with the store.
        stream.rows.push({ id: `${ms}-${stream.seq}`, entry: structuredClone(entry) });
      }
      if (stream.rows.length > TAP_LIMITS.entriesKept)
        stream.rows.splice(0, stream.rows.length - TAP_LIMITS.entriesKept);
      stream.expiresAt = now() + retainMs;
    },

    async saveTap(record, retainMs) {
      records.set(record.id, { record: structuredClone(record), expiresAt: now() + retainMs });
    },

    async readTaps() {
      const out: TapRecord[] = [];
      for (const [id, { record, expiresAt }] of records) {
        if (expiresAt <= now()) records.delete(id);
        else if (now() < record.endsAt + TAP_LIMITS.retainAfterEndMs) out.push(structuredClone(record));
      }
      return out.sort((a, b) => b.startedAt - a.startedAt);
    },

    async readTapEntries(tapId, after, limit) {
      if (after !== null && !STREAM_ID.test(after))
        throw new Error(`tap cursor '${after.slice(0, 40)}' is not a stream id`);
      const rows = liveStream(tapId)?.rows ?? [];
      const start = after === null ? 0 : rows.findIndex((row) => compareIds(row.id, after) > 0);
      if (start < 0) return [];
      return rows.slice(start, start + Math.max(1, Math.floor(limit))).map((row) => structuredClone(row));
    },
  };
}

function compareIds(a: string, b: string): number {
  const [am = 0, as = 0] = a.split('-').map(Number);
  const [bm = 0, bs = 0] = b.split('-').map(Number);
  return am - bm || as - bs;
}
