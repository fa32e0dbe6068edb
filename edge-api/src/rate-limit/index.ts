import type { Context } from 'hono';
import { createMiddleware } from 'hono/factory';
import type { AuthVariables } from '../auth/middleware.ts';
import { HttpProblem, ProblemType } from '../problem/index.ts';

export interface TokenBucketOptions {
  /** Burst size. */
  capacity: number;
  refillPerSecond: number;
}

/**
 * One token bucket per key. Held in memory per process (per isolate on Workers), so with several
 * edge instances each grants its own budget: a brake on runaway scripts, not a global quota.
 */
export class TokenBuckets {
  private readonly buckets = new Map<string, { tokens: number; at: number }>();

  constructor(
    private readonly options: TokenBucketOptions,
    private readonly now: () => number = Date.now,
  ) {}

  /** Takes one token; returns 0 when granted, else the ms until one is available. */
  take(key: string): number {
    const now = this.now();
    const { capacity, refillPerSecond } = this.options;
    const bucket = this.buckets.get(key) ?? { tokens: capacity, at: now };
    bucket.tokens = Math.min(capacity, bucket.tokens + ((now - bucket.at) / 1000) * refillPerSecond);
    bucket.at = now;
    this.buckets.set(key, bucket);
    if (this.buckets.size > 10_000) this.forgetFull(now);
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1;
      return 0;
    }
    return Math.ceil(((1 - bucket.tokens) / refillPerSecond) * 1000);
  }

  private forgetFull(now: number): void {
    const { capacity, refillPerSecond } = this.options;
    for (const [key, b] of this.buckets) {
      if (b.tokens + ((now - b.at) / 1000) * refillPerSecond >= capacity) this.buckets.delete(key);
    }
  }
}

/** Where a request came from, as the runtime sees it; undefined when it cannot tell. */
export type ClientAddress = (c: Context) => string | undefined;

export interface AdminRateLimit {
  byActor: TokenBuckets;
  /** Behind the actor's bucket: one per client address, so minting a new `sub` per request gains nothing. */
  byClient: TokenBuckets;
  clientAddress?: ClientAddress;
}

/**
 * Admin mutations (after requireAdmin has set the principal): the actor's bucket, then the client
 * address's. Without an address (a runtime that cannot tell) every client shares one bucket.
 */
export function rateLimitAdmin({ byActor, byClient, clientAddress }: AdminRateLimit) {
  return createMiddleware<{ Variables: AuthVariables }>(async (c, next) => {
    const actor = c.get('principal').actor;
    const actorWaitMs = byActor.take(actor);
    if (actorWaitMs > 0) throw tooMany(`rate limit reached for '${actor}'`, actorWaitMs);
    const address = clientAddress?.(c) || undefined;
    const clientWaitMs = byClient.take(address ?? '*');
    if (clientWaitMs > 0) {
      const from = address
        ? `requests from ${address}`
        : 'admin requests (client addresses are not known here)';
      throw tooMany(`rate limit reached for ${from}`, clientWaitMs);
    }
    await next();
  });
}

const tooMany = (reason: string, waitMs: number) =>
  new HttpProblem({
    status: 429,
    type: ProblemType.rateLimited,
    title: 'Too many admin commands',
    detail: `${reason}; retry in ${waitMs} ms`,
    headers: { 'retry-after': String(Math.ceil(waitMs / 1000)) },
  });
