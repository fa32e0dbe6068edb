/**
 * One tap's admission on one node: a sample, then a cap of `maxPerSecond` (a token bucket holding
 * one second's worth), so a node never reports more than its cap whatever its traffic. Counts what
 * it kept out over the cap, for the node to report.
 */
export class TapGate {
  private tokens: number;
  private refilledAt: number;
  /** Matching events sampled in but refused over the cap since `takeDropped()`. */
  private dropped = 0;

  constructor(
    private readonly sampleRate: number,
    private readonly maxPerSecond: number,
    now: number,
    private readonly random: () => number = Math.random,
  ) {
    this.tokens = maxPerSecond;
    this.refilledAt = now;
  }

  /** True when this matching event is to be reported. */
  admit(now: number): boolean {
    if (this.sampleRate < 1 && this.random() >= this.sampleRate) return false;
    if (now > this.refilledAt) {
      this.tokens = Math.min(
        this.maxPerSecond,
        this.tokens + ((now - this.refilledAt) * this.maxPerSecond) / 1000,
      );
      this.refilledAt = now;
    }
    if (this.tokens >= 1) {
      this.tokens -= 1;
      return true;
    }
    this.dropped++;
    return false;
  }

  takeDropped(): number {
    const dropped = this.dropped;
    this.dropped = 0;
    return dropped;
  }
}
