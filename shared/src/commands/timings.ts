/** The longest COMMAND_TIMEOUT_MS, and so the longest a command stays valid. */
const MAX_TIMEOUT_MS = 60_000;

/**
 * Every timing of the command protocol, in one place. The edge waits `COMMAND_TIMEOUT_MS` for acks
 * and seals each command with that deadline; everything else here follows from it or from the
 * runtime.
 */
export const timings = {
  /** COMMAND_TIMEOUT_MS: how long the edge waits for acks, and how long a command stays valid. */
  commandTimeout: { defaultMs: 2000, minMs: 50, maxMs: MAX_TIMEOUT_MS },
  /** How far a node lets the edge's clock differ from its own; NTP keeps servers far closer. */
  clockSkewMs: 1000,
  /** How long a node's ack stays readable: past any edge's deadline. */
  ackTtlMs: MAX_TIMEOUT_MS,
  /** How long a node waits for its command subscription before it retries: a flush interval, at least 1 s. */
  nodeSubscribeTimeoutMs: (flushIntervalMs: number): number => Math.max(flushIntervalMs, 1000),
  /** How long the Upstash client waits for a subscription to be confirmed. */
  upstashSubscribeTimeoutMs: 5000,
  /** Where acks are polled: the first pause, doubling up to the longest one where polls are free. */
  ackPoll: { firstPauseMs: 2, maxPauseMs: 20 },
  /**
   * A Worker may make 50 subrequests per request (Cloudflare's free plan) and every ack poll is one;
   * half go to ack polls, the rest to the publish, the audit write and the Upstash client's retries.
   */
  workerAckPolls: 25,
  ackPollPauses,
} as const;

/**
 * The pauses between the ack polls of a wait of `waitMs`, for at most `maxPolls` polls (the first
 * at once, the last at the deadline): doubling from `firstPauseMs`, up to `maxPauseMs` when that
 * fits the budget, or up to the shortest longest pause that does.
 */
function ackPollPauses(waitMs: number, maxPolls = Number.POSITIVE_INFINITY): number[] {
  if (maxPolls < 2)
    throw new Error(`an ack wait needs at least 2 polls (now and at the deadline), got ${maxPolls}`);
  if (waitMs <= 0) return [];
  const fits = (capMs: number) => pauseCount(waitMs, capMs) + 1 <= maxPolls;
  let low: number = timings.ackPoll.maxPauseMs;
  if (low >= waitMs || fits(low)) return pausesUpTo(waitMs, low);
  if (!fits(waitMs)) return [waitMs];
  // The count only falls as the cap grows: find the smallest cap that fits.
  let high = waitMs;
  while (high - low > 1) {
    const mid = Math.floor((low + high) / 2);
    if (fits(mid)) high = mid;
    else low = mid;
  }
  return pausesUpTo(waitMs, high);
}

function pausesUpTo(waitMs: number, capMs: number): number[] {
  const pauses: number[] = [];
  let waited = 0;
  for (let pause = timings.ackPoll.firstPauseMs; waited < waitMs; pause *= 2) {
    const next = Math.min(pause, capMs, waitMs - waited);
    pauses.push(next);
    waited += next;
  }
  return pauses;
}

/** `pausesUpTo(waitMs, capMs).length`, without building the list. */
function pauseCount(waitMs: number, capMs: number): number {
  let count = 0;
  let waited = 0;
  let pause = timings.ackPoll.firstPauseMs;
  for (; pause < capMs && waited < waitMs; pause *= 2) {
    waited += Math.min(pause, waitMs - waited);
    count++;
  }
  return waited < waitMs ? count + Math.ceil((waitMs - waited) / capMs) : count;
}
