import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { TelltaleStore } from '@telltale/shared';
import { Server } from 'socket.io';
import { Manager } from 'socket.io-client';
import { instrument } from '../../src/instrument/index.ts';
import type { Instrumentation } from '../../src/instrument/instrumentation.ts';
import { silentLogger } from '../../src/instrument/log.ts';
import { type ClientSocket, closeAll, open } from './clients.ts';

export interface PermissiveApp {
  io: Server;
  url: string;
  instrumentation: Instrumentation;
  close(): Promise<void>;
}

/**
 * A Socket.IO app as permissive as real ones get, instrumented with the default caps: clients join
 * any room they name, open any `/game-*` namespace, and get events named as they ask.
 */
export async function permissiveApp(
  store: TelltaleStore,
  options: { cleanupEmptyChildNamespaces?: boolean; nodeId?: string } = {},
): Promise<PermissiveApp> {
  const http = createServer();
  const io = new Server(http, {
    cleanupEmptyChildNamespaces: options.cleanupEmptyChildNamespaces ?? false,
    maxHttpBufferSize: 1e6,
  });
  const instrumentation = instrument(io, {
    store,
    cluster: 'default',
    nodeId: options.nodeId ?? 'hostile-node',
    flushIntervalMs: 60_000,
    log: silentLogger,
  });
  const handlers = (socket: import('socket.io').Socket) => {
    socket.on('join', (room: string, ack?: (ok: boolean) => void) => {
      void socket.join(room);
      ack?.(true);
    });
    socket.on('echo-as', (name: string, ack?: (ok: boolean) => void) => {
      socket.emit(name);
      ack?.(true);
    });
    socket.on('ping-me', (ack: (ok: boolean) => void) => ack(true));
  };
  io.of('/chat').on('connection', handlers);
  io.of(/^\/game-.+$/).on('connection', handlers);
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  await instrumentation.start();
  return {
    io,
    url: `http://127.0.0.1:${(http.address() as AddressInfo).port}`,
    instrumentation,
    async close() {
      closeAll();
      await instrumentation.stop();
      await new Promise<void>((resolve) => io.close(() => resolve()));
    },
  };
}

/** 64 code units, most of a character UTF-8 spells in three bytes: the costliest label still kept. */
export const widest = (i: number) => `€${String(i).padStart(6, '0')}${'€'.repeat(57)}`;

export interface Attack {
  /** The attacker's sockets: `/chat` first, then one per dynamic namespace. */
  sockets: ClientSocket[];
  close(): void;
}

/**
 * Everything one client can throw at `permissiveApp` to grow a snapshot, in seconds: the ten
 * 500,000-character event names, thousands of invented ones as costly as a kept label can be, rooms
 * with long, colon-less, control-character and one-prefix-each names, event names the server
 * echoes back, and `namespaces` dynamic namespaces over one connection, which stay open.
 * Resolves once the app has handled all of it (an acked event sent after the rest, on each socket).
 * Attackers with different `seed`s invent different names.
 */
export async function attack(
  url: string,
  options: { namespaces?: number; seed?: number } = {},
): Promise<Attack> {
  const seed = (options.seed ?? 0) * 100_000;
  const socket = await open(`${url}/chat`, { transports: ['websocket'] });
  for (let i = 0; i < 10; i++) socket.emit(`${'x'.repeat(500_000)}${i}`);
  for (let i = seed; i < seed + 2000; i++) socket.emit(widest(i));
  for (let i = seed; i < seed + 1000; i++) {
    socket.emit('join', `${'秘'.repeat(250)}${i}`);
    socket.emit('join', `${'\u0001'.repeat(300)}:${i}`);
    socket.emit('join', `${widest(i)}:${'秘'.repeat(150)}`);
    socket.emit('join', `p${i}${'€'.repeat(40)}:${'\u0007'.repeat(200)}`);
  }
  for (let i = seed; i < seed + 200; i++) socket.emit('echo-as', widest(i));
  await socket.emitWithAck('ping-me');

  const manager = new Manager(url, { transports: ['websocket'], reconnection: false });
  const games: ClientSocket[] = [];
  for (let i = seed; i < seed + (options.namespaces ?? 0); i++) {
    // Half of them 64 code units long, as long as a kept label may be; half far longer.
    const name =
      i % 2 === 0 ? `/game-${String(i).padStart(6, '0')}${'€'.repeat(52)}` : `/game-${'秘'.repeat(100)}${i}`;
    const game = manager.socket(name);
    await new Promise<void>((resolve, reject) => {
      game.once('connect', resolve);
      game.once('connect_error', reject);
    });
    await game.emitWithAck('join', `${name}:lobby`);
    games.push(game);
  }
  return {
    sockets: [socket, ...games],
    close() {
      for (const game of games) game.disconnect();
      manager.engine?.close();
      socket.close();
    },
  };
}
