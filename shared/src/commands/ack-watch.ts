import type { CommandAck } from '../schema/command.ts';
import type { AckWatch } from '../store/port.ts';
import { timings } from './timings.ts';

/** The acks of one command, one per node: a pushed ack and the same ack read back count once. */
class AckSet {
  private readonly byNode = new Map<string, CommandAck>();

  add(acks: Iterable<CommandAck>): void {
    for (const ack of acks) if (!this.byNode.has(ack.nodeId)) this.byNode.set(ack.nodeId, ack);
  }

  answered(nodeIds: readonly string[]): boolean {
    return nodeIds.every((nodeId) => this.byNode.has(nodeId));
  }

  list(): CommandAck[] {
    return [...this.byNode.values()];
  }
}

/** Reads a command's ack list (the record); used as the fallback of a push and as the poll. */
type ReadAcks = () => Promise<CommandAck[]>;

/** A watch the store feeds through `deliver` as acks are pushed to it. */
export interface PushedAckWatch extends AckWatch {
  deliver(ack: CommandAck): void;
}

/**
 * Acks pushed over a subscription that was open before the command went out. A subscription that
 * dropped in between (reconnect) may have missed some: a node still silent at the deadline is
 * looked up once in the ack list before it is called missing.
 */
export function pushedAckWatch(readList: ReadAcks, onClose: () => void): PushedAckWatch {
  const acks = new AckSet();
  let closed = false;
  let onAck: (() => void) | null = null;
  const close = () => {
    if (closed) return;
    closed = true;
    onClose();
  };
  return {
    deliver(ack) {
      if (closed) return;
      acks.add([ack]);
      onAck?.();
    },
    async wait(nodeIds, waitMs) {
      if (!acks.answered(nodeIds)) {
        await new Promise<void>((resolve) => {
          const timer = setTimeout(
            () => {
              onAck = null;
              resolve();
            },
            Math.max(0, waitMs),
          );
          onAck = () => {
            if (!acks.answered(nodeIds)) return;
            clearTimeout(timer);
            onAck = null;
            resolve();
          };
        });
      }
      if (!acks.answered(nodeIds)) {
        try {
          acks.add(await readList());
        } catch {
          // The store is unreachable: the answer names who did not ack, which is all we know.
        }
      }
      close();
      return acks.list();
    },
    close,
  };
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * Acks polled from the list, for stores that cannot hold a subscription open (Upstash REST; on
 * Workers each poll is a subrequest against a per-request cap): at most `maxPolls` reads per wait,
 * on the schedule `timings.ackPollPauses` derives from the wait and that budget.
 */
export function polledAckWatch(readList: ReadAcks, maxPolls = Number.POSITIVE_INFINITY): AckWatch {
  let closed = false;
  return {
    async wait(nodeIds, waitMs) {
      const acks = new AckSet();
      const deadline = Date.now() + waitMs;
      const pauses = timings.ackPollPauses(waitMs, maxPolls);
      for (let polls = 0; !closed; polls++) {
        try {
          acks.add(await readList());
        } catch {
          // A store blip while polling: keep what we had and try again until the deadline.
        }
        const left = deadline - Date.now();
        if (acks.answered(nodeIds) || left <= 0 || polls >= pauses.length) break;
        await sleep(Math.min(pauses[polls] ?? left, left));
      }
      closed = true;
      return acks.list();
    },
    close() {
      closed = true;
    },
  };
}
