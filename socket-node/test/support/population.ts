import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { NodePresence, TelltaleStore } from '@telltale/shared';
import { Server, type Socket } from 'socket.io';
import { type Socket as ClientSocket, io as connect } from 'socket.io-client';
import { instrument } from '../../src/instrument/index.ts';
import type { Instrumentation } from '../../src/instrument/instrumentation.ts';
import { silentLogger } from '../../src/instrument/log.ts';

/**
 * The realistic node: distinct users on `/portal`, each in its `user:<id>` room and in one
 * `thread:<n>` room per 5 users; 9 users in 10 online, the 10th away (the presence callback).
 */
export interface PopulatedNode {
  io: Server;
  url: string;
  instrumentation: Instrumentation;
  /** Users `from` … `from + count − 1` as real socket.io-client connections (websocket). */
  connect(from: number, count: number): Promise<ClientSocket[]>;
  /**
   * The same users without a client: sockets the adapter holds (its rooms and sids, as
   * `socket.join` leaves them), for sizes past what one machine can connect. Snapshots read rooms
   * from the adapter, so their rooms and presence are what real clients would give.
   */
  populate(from: number, count: number): void;
  /** Takes `populate`d users out again, as their sockets leaving would. */
  depopulate(from: number, count: number): void;
  close(): Promise<void>;
}

const userOf = (index: number) => `u${index}`;
const threadOf = (index: number) => `thread:t${Math.floor(index / 5)}`;

export async function populatedNode(
  store: TelltaleStore,
  options: { cluster?: string; nodeId?: string; flushIntervalMs?: number } = {},
): Promise<PopulatedNode> {
  const http = createServer();
  const io = new Server(http);
  const online = new Set<string>();
  const away = new Set<string>();
  const presence = (): NodePresence => ({ online: [...online], away: [...away], staleClients: 0 });
  const instrumentation = instrument(io, {
    store,
    cluster: options.cluster ?? 'default',
    nodeId: options.nodeId ?? 'population-node',
    flushIntervalMs: options.flushIntervalMs ?? 60_000,
    log: silentLogger,
    identify: (socket) => ({ userId: String(socket.data.userId ?? '') || null, role: 'client' }),
    presence,
  });
  const arrive = (index: number) => (index % 10 === 9 ? away : online).add(userOf(index));
  const leave = (index: number) => (index % 10 === 9 ? away : online).delete(userOf(index));
  const portal = io.of('/portal');
  portal.use((socket, next) => {
    socket.data.userId = userOf(Number(socket.handshake.auth.index));
    next();
  });
  portal.on('connection', (socket: Socket) => {
    const index = Number(socket.handshake.auth.index);
    void socket.join([`user:${userOf(index)}`, threadOf(index)]);
    arrive(index);
    socket.on('disconnect', () => leave(index));
  });
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  await instrumentation.start();
  const url = `http://127.0.0.1:${(http.address() as AddressInfo).port}`;
  const clients: ClientSocket[] = [];

  return {
    io,
    url,
    instrumentation,
    async connect(from, count) {
      const opened: ClientSocket[] = [];
      for (let start = from; start < from + count; start += 100) {
        const batch = Array.from({ length: Math.min(100, from + count - start) }, (_, k) => {
          const socket = connect(`${url}/portal`, {
            auth: { index: start + k },
            transports: ['websocket'],
            reconnection: false,
            forceNew: true,
          });
          return new Promise<ClientSocket>((resolve, reject) => {
            socket.once('connect', () => resolve(socket));
            socket.once('connect_error', reject);
          });
        });
        opened.push(...(await Promise.all(batch)));
      }
      clients.push(...opened);
      // The server joins rooms on connection: wait until it has, for the last one too.
      const last = from + count - 1;
      while (!portal.adapter.rooms.get(`user:${userOf(last)}`)) await new Promise((r) => setTimeout(r, 5));
      return opened;
    },
    populate(from, count) {
      for (let index = from; index < from + count; index++) {
        const sid = `populated-${index}`;
        portal.adapter.addAll(sid, new Set([sid, `user:${userOf(index)}`, threadOf(index)]));
        arrive(index);
      }
    },
    depopulate(from, count) {
      for (let index = from; index < from + count; index++) {
        portal.adapter.delAll(`populated-${index}`);
        leave(index);
      }
    },
    async close() {
      for (const client of clients) client.close();
      await instrumentation.stop();
      await new Promise<void>((resolve) => io.close(() => resolve()));
    },
  };
}
