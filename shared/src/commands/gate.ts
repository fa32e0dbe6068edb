import type { CommandEnvelope } from '../schema/command.ts';
import { type CommandSigner, commandSigner } from './signing.ts';
import { timings } from './timings.ts';

/** How far a node lets the edge's clock differ from its own (COMMAND_CLOCK_SKEW_MS's default). */
export const DEFAULT_CLOCK_SKEW_MS = timings.clockSkewMs;
/** Command ids a node remembers at once; past that it refuses new commands rather than forget early. */
export const REPLAY_GUARD_CAPACITY = 100_000;

export type Admission =
  | { admitted: true }
  /** `ack`: whether to answer the refusal (an edge may be waiting); a replay's first copy was answered. */
  | { admitted: false; reason: string; ack: boolean };

export interface CommandGateOptions {
  /** COMMAND_SIGNING_KEY. Set: only commands the edge signed with it pass. */
  signingKey?: string | null;
  /** How far the edge's clock may be off this node's, in ms. Default 1000. */
  clockSkewMs?: number;
  now?: () => number;
  capacity?: number;
}

const refuse = (reason: string): Admission => ({ admitted: false, reason, ack: true });

/**
 * A node's checks before it runs a command, in order:
 *   1. signature — with a signing key, only commands signed with it pass, so Redis access alone
 *      cannot disconnect anyone;
 *   2. freshness — only between `issuedAt` and `expiresAt` (the edge's ack deadline) by this node's
 *      clock, give or take the skew allowance: a command the edge already answered for (a node
 *      paused past the deadline, a capture replayed later) never runs;
 *   3. once — an id runs once. It is remembered until its expiry plus the allowance has passed;
 *      from then on step 2 refuses it, so nothing is forgotten while it could still run.
 */
export class CommandGate {
  readonly clockSkewMs: number;
  private readonly signer: CommandSigner | null;
  private readonly now: () => number;
  private readonly capacity: number;
  /** Command id → when it may be forgotten, in arrival order. */
  private readonly seen = new Map<string, number>();

  constructor(options: CommandGateOptions = {}) {
    this.signer = options.signingKey ? commandSigner(options.signingKey) : null;
    this.clockSkewMs = options.clockSkewMs ?? DEFAULT_CLOCK_SKEW_MS;
    this.now = options.now ?? Date.now;
    this.capacity = options.capacity ?? REPLAY_GUARD_CAPACITY;
  }

  /** Whether unsigned commands are refused. */
  get requiresSignature(): boolean {
    return this.signer !== null;
  }

  async admit(envelope: CommandEnvelope): Promise<Admission> {
    if (this.signer && !(await this.signer.verify(envelope))) {
      return refuse(
        envelope.sig === undefined
          ? 'unsigned: this node only runs commands signed with its COMMAND_SIGNING_KEY'
          : "bad signature: not signed with this node's COMMAND_SIGNING_KEY",
      );
    }
    const now = this.now();
    const skew = this.clockSkewMs;
    if (now > envelope.expiresAt + skew) {
      return refuse(`expired ${now - envelope.expiresAt} ms ago (clock-skew allowance ${skew} ms)`);
    }
    if (envelope.issuedAt > now + skew) {
      return refuse(
        `issued ${envelope.issuedAt - now} ms in the future by this node's clock (clock-skew allowance ${skew} ms)`,
      );
    }
    this.forgetExpired(now);
    if (this.seen.has(envelope.id))
      return { admitted: false, reason: 'replayed: this id already ran', ack: false };
    if (this.seen.size >= this.capacity) {
      return refuse(`more than ${this.capacity} commands within their lifetime: refusing until some expire`);
    }
    this.seen.set(envelope.id, envelope.expiresAt + skew);
    return { admitted: true };
  }

  private forgetExpired(now: number): void {
    // Arrival order is close to expiry order; an entry left behind one that lives longer just waits for it.
    for (const [id, forgetAt] of this.seen) {
      if (forgetAt >= now) return;
      this.seen.delete(id);
    }
  }
}
