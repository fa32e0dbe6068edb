import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { Redis } from 'ioredis';
import { z } from 'zod';

/**
 * The Upstash Redis REST protocol in front of a real Redis, for local runs: the contract tests
 * and the Worker under `wrangler dev` talk to it with the real `@upstash/redis` client.
 *
 * - `POST /` with a JSON command array → `{result}`; a Redis error → 400 `{error}`.
 * - `POST /pipeline` and `POST /multi-exec` with an array of commands → `[{result} | {error}, …]`
 *   (`/multi-exec` runs them in one MULTI/EXEC; an aborted transaction is a 400).
 * - `POST /subscribe/<channel>` → `text/event-stream` of `data: message,<channel>,<payload>` lines.
 * - `Authorization: Bearer <token>` on every request, 401 otherwise.
 * - `Upstash-Encoding: base64` (what @upstash/redis sends by default): every string in a result
 *   is the base64 of the raw bytes Redis returned (binary-safe), except a top-level `OK` (the
 *   status reply, which the client keeps as is). Inside arrays `OK` is encoded too (`T0s=`): the
 *   client base64-decodes every string in an array.
 * - Every answer carries `upstash-sync-token`; a request may send back one this server issued
 *   (read-your-writes, as @upstash/redis does by default), anything else is a 400.
 */
export interface UpstashRestServerOptions {
  redisUrl: string;
  token: string;
  /** 0 or omitted: a free port. */
  port?: number;
  /** Loopback unless told otherwise. */
  host?: string;
}

export interface UpstashRestServer {
  url: string;
  port: number;
  /** HTTP requests received so far (every route, authorized or not). */
  requestCount(): number;
  /** Per authorized request, in order: the `upstash-sync-token` it carried ('' or absent: null) and the one it got. */
  syncTokens(): { received: string | null; issued: string }[];
  /** Bytes on the wire so far, headers included: what the clients sent and what they were sent. */
  bytes(): { received: number; sent: number };
  close(): Promise<void>;
}

const Argument = z.union([z.string(), z.number(), z.boolean()]).transform(String);
const Command = z.array(Argument).min(1, 'a command needs at least its name');
const Commands = z.array(Command).min(1, 'send at least one command');

/** Commands that would change the shared connection's state for everyone else. */
const REFUSED = new Set([
  'subscribe',
  'psubscribe',
  'ssubscribe',
  'unsubscribe',
  'punsubscribe',
  'monitor',
  'select',
  'quit',
  'reset',
  'multi',
  'exec',
  'discard',
  'watch',
  'unwatch',
  'client',
  'hello',
  'auth',
]);

const OK = Buffer.from('OK');

class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/** `nested`: inside an array, where the client decodes every string, `OK` included. */
function encodeReply(reply: unknown, base64: boolean, nested = false): unknown {
  if (reply === null || reply === undefined) return null;
  if (Buffer.isBuffer(reply)) {
    if (!base64) return reply.toString('utf8');
    return !nested && reply.equals(OK) ? 'OK' : reply.toString('base64');
  }
  if (typeof reply === 'string') {
    if (!base64 || (!nested && reply === 'OK')) return reply;
    return Buffer.from(reply).toString('base64');
  }
  if (Array.isArray(reply)) return reply.map((item) => encodeReply(item, base64, true));
  if (reply instanceof Error) return reply.message;
  return reply;
}

function checkAllowed(command: string[]): [string, ...string[]] {
  const [name, ...args] = command as [string, ...string[]];
  if (REFUSED.has(name.toLowerCase())) {
    throw new HttpError(400, `ERR '${name}' is not supported over REST by this server`);
  }
  // ioredis reshapes some replies by lower-case command name (HGETALL into an object); upper case keeps them raw.
  return [name.toUpperCase(), ...args];
}

async function readJson(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  const body = Buffer.concat(chunks).toString('utf8');
  try {
    return JSON.parse(body);
  } catch {
    throw new HttpError(400, `ERR request body is not JSON: ${body.slice(0, 80)}`);
  }
}

function parse<T>(schema: z.ZodType<T>, value: unknown): T {
  const parsed = schema.safeParse(value);
  if (!parsed.success) throw new HttpError(400, `ERR invalid request: ${parsed.error.issues[0]?.message}`);
  return parsed.data;
}

function send(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text) });
  res.end(text);
}

const SYNC_TOKEN = 'upstash-sync-token';

export async function startUpstashRestServer(options: UpstashRestServerOptions): Promise<UpstashRestServer> {
  if (!options.token)
    throw new Error('the Upstash REST server needs a token (--token or UPSTASH_REDIS_REST_TOKEN)');
  const redis = new Redis(options.redisUrl, { maxRetriesPerRequest: 2 });
  // Redis going away is answered per request; the server itself keeps running.
  redis.on('error', () => {});
  const subscribers = new Set<Redis>();
  let requests = 0;
  // One Redis is always consistent; the tokens prove the client sends back what it was given.
  let syncSeq = 0;
  const syncLog: { received: string | null; issued: string }[] = [];
  const syncCheck = (req: IncomingMessage, res: ServerResponse) => {
    const received = String(req.headers[SYNC_TOKEN] ?? '') || null;
    if (received !== null && !(/^\d+$/.test(received) && Number(received) <= syncSeq)) {
      throw new HttpError(400, `ERR ${SYNC_TOKEN} '${received.slice(0, 40)}' was not issued by this server`);
    }
    const issued = String(++syncSeq);
    syncLog.push({ received, issued });
    res.setHeader(SYNC_TOKEN, issued);
  };

  const runOne = async (command: string[]) => {
    const [name, ...args] = checkAllowed(command);
    return redis.callBuffer(name, ...args);
  };

  const runBatch = async (commands: string[][], transaction: boolean) => {
    const batch = transaction ? redis.multi() : redis.pipeline();
    for (const command of commands) {
      const [name, ...args] = checkAllowed(command);
      batch.callBuffer(name, ...args);
    }
    const results = await batch.exec();
    if (!results) throw new HttpError(400, 'ERR transaction aborted');
    return results;
  };

  const subscribe = async (req: IncomingMessage, res: ServerResponse, channel: string) => {
    const connection = redis.duplicate();
    connection.on('error', () => {});
    subscribers.add(connection);
    const end = () => {
      subscribers.delete(connection);
      connection.disconnect();
      if (!res.writableEnded) res.end();
    };
    req.on('close', end);
    connection.on('message', (from: string, message: string) => {
      res.write(`data: message,${from},${message}\n\n`);
    });
    const count = await connection.subscribe(channel);
    res.writeHead(200, {
      'Content-Type': 'text/event-stream',
      'Cache-Control': 'no-cache',
      Connection: 'keep-alive',
    });
    res.write(`data: subscribe,${channel},${count}\n\n`);
  };

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    requests += 1;
    if (req.headers.authorization !== `Bearer ${options.token}`) {
      send(res, 401, { error: 'Unauthorized' });
      return;
    }
    if (req.method !== 'POST') throw new HttpError(405, `ERR use POST, not ${req.method}`);
    syncCheck(req, res);
    const base64 = String(req.headers['upstash-encoding'] ?? '').toLowerCase() === 'base64';
    const path = new URL(req.url ?? '/', 'http://localhost').pathname.replace(/\/+$/, '');
    if (path === '') {
      const reply = await runOne(parse(Command, await readJson(req)));
      send(res, 200, { result: encodeReply(reply, base64) });
      return;
    }
    if (path === '/pipeline' || path === '/multi-exec') {
      const results = await runBatch(parse(Commands, await readJson(req)), path === '/multi-exec');
      send(
        res,
        200,
        results.map(([error, reply]) =>
          error ? { error: error.message } : { result: encodeReply(reply, base64) },
        ),
      );
      return;
    }
    const subscription = /^\/subscribe\/(.+)$/.exec(path);
    if (subscription?.[1]) {
      await subscribe(req, res, decodeURIComponent(subscription[1]));
      return;
    }
    throw new HttpError(404, `ERR unknown route ${path}`);
  };

  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      if (res.headersSent) {
        res.end();
        return;
      }
      const status = error instanceof HttpError ? error.status : 400;
      send(res, status, { error: error instanceof Error ? error.message : String(error) });
    });
  });

  const sockets = new Set<Socket>();
  const counted = { received: 0, sent: 0 };
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.once('close', () => {
      counted.received += socket.bytesRead;
      counted.sent += socket.bytesWritten;
      sockets.delete(socket);
    });
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const host = options.host ?? '127.0.0.1';

  return {
    url: `http://${host.includes(':') ? `[${host}]` : host}:${port}`,
    port,
    requestCount: () => requests,
    syncTokens: () => [...syncLog],
    bytes: () => {
      let { received, sent } = counted;
      for (const socket of sockets) {
        received += socket.bytesRead;
        sent += socket.bytesWritten;
      }
      return { received, sent };
    },
    close: async () => {
      for (const connection of subscribers) connection.disconnect();
      subscribers.clear();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      redis.disconnect();
    },
  };
}
