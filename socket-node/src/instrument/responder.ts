import {
  type CommandAck,
  type CommandEnvelope,
  CommandGate,
  type NodeStore,
  type Reply,
  respond,
  timings,
  type Unsubscribe,
  withTimeout,
} from '@telltale/shared';
import { type CommandHost, executeCommand } from './commands.ts';
import { describeError, type InstrumentLogger } from './log.ts';

export interface CommandResponderOptions {
  store: NodeStore;
  cluster: string;
  nodeId: string;
  /** The flush interval: the subscription is retried this often while the store is down. */
  intervalMs: number;
  log: InstrumentLogger;
  host: CommandHost;
  /** The node's counters of commands run and refused. */
  counters: { commandsExecuted: number; commandsRejected: number };
  signingKey?: string | null | undefined;
  clockSkewMs?: number | undefined;
  ackTtlMs?: number | undefined;
}

/**
 * A node's end of the command protocol: keeps its command channel subscribed (retrying while the
 * store is down), hands each message to the protocol's `respond`, one at a time in arrival order,
 * and counts and logs what came of it.
 */
export class CommandResponder {
  private readonly options: CommandResponderOptions;
  private readonly gate: CommandGate;
  private readonly listeners = new Set<(envelope: CommandEnvelope, ack: CommandAck) => void>();
  private queue: Promise<void> = Promise.resolve();
  private running = false;
  private retryTimer: NodeJS.Timeout | null = null;
  private unsubscribe: Unsubscribe | null = null;

  constructor(options: CommandResponderOptions) {
    this.options = options;
    this.gate = new CommandGate({
      signingKey: options.signingKey ?? null,
      clockSkewMs: options.clockSkewMs ?? timings.clockSkewMs,
    });
  }

  /** Subscribes to the node's command channel; resolves even when the store is down (it retries). */
  async start(): Promise<void> {
    this.running = true;
    await this.subscribe();
  }

  async stop(): Promise<void> {
    this.running = false;
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.retryTimer = null;
    const unsubscribe = this.unsubscribe;
    this.unsubscribe = null;
    await unsubscribe?.().catch((error) =>
      this.options.log.warn(`unsubscribing from commands failed: ${describeError(error)}`),
    );
  }

  onCommand(listener: (envelope: CommandEnvelope, ack: CommandAck) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** One raw message, after those before it; never rejects. Resolves with its ack on the way. */
  receive(raw: string): Promise<void> {
    this.queue = this.queue
      .then(() => this.handle(raw))
      .catch((error) => this.options.log.error(`handling a command failed: ${describeError(error)}`));
    return this.queue;
  }

  private async subscribe(): Promise<void> {
    const { store, nodeId, intervalMs, log } = this.options;
    try {
      this.unsubscribe = await withTimeout(
        store.subscribeCommands(nodeId, (raw) => this.receive(raw)),
        timings.nodeSubscribeTimeoutMs(intervalMs),
        'subscribing timed out',
      );
    } catch (error) {
      log.warn(`subscribing to commands failed, will retry: ${describeError(error)}`);
      if (!this.running) return;
      this.retryTimer = setTimeout(() => {
        this.retryTimer = null;
        void this.subscribe();
      }, intervalMs);
      this.retryTimer.unref();
    }
  }

  private async handle(raw: string): Promise<void> {
    const { log, counters, host } = this.options;
    const reply: Reply = await respond(raw, {
      cluster: this.options.cluster,
      nodeId: this.options.nodeId,
      gate: this.gate,
      store: this.options.store,
      ackTtlMs: this.options.ackTtlMs,
      run: (command) => executeCommand(command, host),
      ackFailed: (envelope, error) =>
        log.warn(`acking command ${envelope.id} failed: ${describeError(error)}`),
    });
    if (reply.kind === 'malformed') {
      counters.commandsRejected++;
      log.warn(`ignored a malformed command: ${reply.reason}`);
      return;
    }
    const { envelope } = reply;
    if (reply.kind === 'ran') {
      if (reply.ack.ok) counters.commandsExecuted++;
    } else {
      counters.commandsRejected++;
      log.warn(
        `refused command ${envelope.id} (${envelope.command.type} by ${JSON.stringify(envelope.actor)}): ${reply.reason}`,
      );
      if (reply.kind === 'replayed') return;
    }
    for (const listener of this.listeners) listener(envelope, reply.ack);
  }
}
