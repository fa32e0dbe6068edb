import { SignJWT } from 'jose';
import {
  type Socket as ClientSocket,
  io as connect,
  type ManagerOptions,
  type SocketOptions,
} from 'socket.io-client';

export type { ClientSocket };

export const TEST_SECRET = 'socket-node-test-secret-0123456789';

export type Claims = { sub: string; role: 'client' | 'attendant' | 'admin'; threads?: string[] };

/** An HS256 token as the reference server expects it. */
export async function token(
  claims: Claims,
  options: { secret?: string; expiresIn?: string | number } = {},
): Promise<string> {
  return new SignJWT(claims)
    .setProtectedHeader({ alg: 'HS256' })
    .setIssuedAt()
    .setExpirationTime(options.expiresIn ?? '1h')
    .sign(new TextEncoder().encode(options.secret ?? TEST_SECRET));
}

const opened = new Set<ClientSocket>();

/** A client that is connected (resolves) or refused (rejects with the connect_error). */
export function open(
  url: string,
  options: Partial<ManagerOptions & SocketOptions> = {},
): Promise<ClientSocket> {
  const socket = connect(url, { reconnection: false, forceNew: true, ...options });
  opened.add(socket);
  return new Promise((resolve, reject) => {
    socket.once('connect', () => resolve(socket));
    socket.once('connect_error', (error) => {
      socket.close();
      reject(error);
    });
  });
}

/** A WebSocket client of `url` (a node's URL plus namespace) holding a valid token with `claims`. */
export async function openAs(url: string, claims: Claims): Promise<ClientSocket> {
  return open(url, { transports: ['websocket'], auth: { token: await token(claims) } });
}

/** The connect_error message a refused client got. */
export async function refusal(
  url: string,
  options: Partial<ManagerOptions & SocketOptions> = {},
): Promise<string> {
  try {
    const socket = await open(url, options);
    socket.close();
  } catch (error) {
    return (error as Error).message;
  }
  throw new Error(`expected ${url} to refuse the connection`);
}

export function closeAll(): void {
  for (const socket of opened) socket.close();
  opened.clear();
}

/** Resolves with the next `event` payload (that `match` accepts), or rejects after `ms`. */
export function next<T = unknown>(
  socket: ClientSocket,
  event: string,
  ms = 3000,
  match: (payload: T) => boolean = () => true,
): Promise<T> {
  return new Promise((resolve, reject) => {
    const listener = (payload: T) => {
      if (!match(payload)) return;
      clearTimeout(timer);
      socket.off(event, listener);
      resolve(payload);
    };
    const timer = setTimeout(() => {
      socket.off(event, listener);
      reject(new Error(`no '${event}' within ${ms} ms`));
    }, ms);
    socket.on(event, listener);
  });
}

/** Collects every `event` a socket receives. */
export function collect<T = unknown>(socket: ClientSocket, event: string): T[] {
  const received: T[] = [];
  socket.on(event, (payload: T) => received.push(payload));
  return received;
}

/** Polls until the check returns a truthy value, or fails with what it last saw. */
export async function eventually<T>(
  check: () => T | Promise<T>,
  ms = 5000,
  what = 'condition',
): Promise<NonNullable<T>> {
  const deadline = Date.now() + ms;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const value = await check();
      if (value) return value as NonNullable<T>;
      last = value;
    } catch (error) {
      last = error;
    }
    await sleep(20);
  }
  throw new Error(
    `${what} not met within ${ms} ms (last: ${last instanceof Error ? last.message : String(last)})`,
  );
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
