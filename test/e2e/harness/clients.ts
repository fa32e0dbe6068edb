import { io, type Socket } from 'socket.io-client';
import { type Role, signToken } from './tokens.ts';
import { sleep, waitFor } from './wait.ts';

export type Namespace = '/hub' | '/portal' | '/admin';

export interface ClientSpec {
  user: string;
  role: Role;
  namespace: Namespace;
  threads?: string[];
  /**
   * HAProxy's sticky cookie value (`node1`…`node3`) to start on a chosen node, as a browser that
   * already holds the cookie would. Unset: the load balancer picks, and the cookie jar keeps it.
   */
  pinTo?: string;
  /** Overrides the token (bad credentials); null sends none. */
  token?: string | null;
  /** `['polling']` keeps a client on long-polling (a proxy that blocks WebSocket). */
  transports?: ('polling' | 'websocket')[];
}

/**
 * A browser-like client through the load balancer: starts on HTTP long-polling, upgrades to
 * WebSocket, keeps the LB's cookie, reconnects with a short backoff, beats every 20 s, and records
 * what it went through so a scenario can compare it with what the edge reports.
 */
export class TestClient {
  readonly socket: Socket;
  /** Transport names in the order they were used, across reconnects (`polling`, `websocket`, …). */
  readonly transports: string[] = [];
  readonly disconnects: string[] = [];
  readonly received: { event: string; args: unknown[] }[] = [];
  connects = 0;
  private readonly beat: NodeJS.Timeout;

  constructor(
    readonly spec: ClientSpec,
    url: string,
    token: string | null,
  ) {
    this.socket = io(`${url}${spec.namespace}`, {
      forceNew: true,
      transports: spec.transports ?? ['polling', 'websocket'],
      withCredentials: spec.pinTo === undefined,
      ...(spec.pinTo ? { extraHeaders: { cookie: `TELLTALE_NODE=${spec.pinTo}` } } : {}),
      ...(token === null ? {} : { auth: { token } }),
      reconnectionDelay: 100,
      reconnectionDelayMax: 1000,
      timeout: 10_000,
    });
    this.socket.io.on('open', () => {
      const engine = this.socket.io.engine;
      this.transports.push(engine.transport.name);
      engine.on('upgrade', (transport: { name: string }) => this.transports.push(transport.name));
    });
    this.socket.on('connect', () => this.connects++);
    this.socket.on('disconnect', (reason) => this.disconnects.push(reason));
    this.socket.onAny((event: string, ...args: unknown[]) => this.received.push({ event, args }));
    this.beat = setInterval(() => {
      if (this.socket.connected) this.socket.emit('heartbeat');
    }, 20_000);
    this.beat.unref();
  }

  get id(): string | undefined {
    return this.socket.id;
  }

  get connected(): boolean {
    return this.socket.connected;
  }

  /** The transport in use now. */
  get transport(): string | null {
    return this.socket.io.engine?.transport.name ?? null;
  }

  /** Every payload of `event` received so far. */
  payloads(event: string): unknown[] {
    return this.received.filter((r) => r.event === event).map((r) => r.args[0]);
  }

  /** Emits with an ack and resolves with the server's answer. */
  ask(event: string, ...args: unknown[]): Promise<unknown> {
    return this.socket.timeout(5000).emitWithAck(event, ...args);
  }

  close(): void {
    clearInterval(this.beat);
    this.socket.close();
  }
}

/** Clients of one cluster, connected through its load balancer and closed together. */
export class ClientPool {
  private readonly clients = new Set<TestClient>();

  constructor(
    readonly url: string,
    private readonly secret: string,
  ) {}

  /** Resolves once connected (on WebSocket unless `upgraded: false`); rejects with the connect_error. */
  async connect(
    spec: ClientSpec,
    options: { upgraded?: boolean; timeoutMs?: number } = {},
  ): Promise<TestClient> {
    const token =
      spec.token !== undefined
        ? spec.token
        : await signToken(
            this.secret,
            { sub: spec.user, role: spec.role },
            spec.threads ? { threads: spec.threads } : {},
          );
    const client = new TestClient(spec, this.url, token);
    this.clients.add(client);
    const timeoutMs = options.timeoutMs ?? 15_000;
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`${spec.user} on ${spec.namespace}: no connect in ${timeoutMs} ms`)),
        timeoutMs,
      );
      client.socket.once('connect', () => {
        clearTimeout(timer);
        resolve();
      });
      client.socket.once('connect_error', (error) => {
        clearTimeout(timer);
        client.close();
        this.clients.delete(client);
        reject(error);
      });
    });
    if (options.upgraded ?? true) {
      await waitFor(() => client.transport === 'websocket', {
        timeoutMs,
        what: `${spec.user} upgraded to WebSocket`,
      });
    }
    return client;
  }

  /** Connects many, `concurrency` at a time. */
  async connectMany(specs: readonly ClientSpec[], concurrency = 50): Promise<TestClient[]> {
    const connected: TestClient[] = [];
    for (let i = 0; i < specs.length; i += concurrency) {
      const batch = specs.slice(i, i + concurrency);
      connected.push(...(await Promise.all(batch.map((spec) => this.connect(spec)))));
    }
    return connected;
  }

  /** The connect_error a refused client gets. */
  async refusal(spec: ClientSpec): Promise<{ message: string; code: unknown }> {
    try {
      const client = await this.connect(spec, { upgraded: false, timeoutMs: 8000 });
      client.close();
    } catch (error) {
      const data = (error as { data?: { code?: unknown } }).data;
      return { message: (error as Error).message, code: data?.code };
    }
    throw new Error(`${spec.user} (${spec.role}) was admitted to ${spec.namespace}`);
  }

  get all(): TestClient[] {
    return [...this.clients];
  }

  /** Clients the test still holds open. */
  get open(): TestClient[] {
    return this.all.filter((c) => c.socket.active);
  }

  release(client: TestClient): void {
    client.close();
    this.clients.delete(client);
  }

  async closeAll(): Promise<void> {
    for (const client of this.clients) client.close();
    this.clients.clear();
    await sleep(50);
  }
}
