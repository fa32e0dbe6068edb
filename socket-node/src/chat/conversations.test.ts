import { createMemoryStore } from '@telltale/shared/store/memory';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type Claims, type ClientSocket, closeAll, next, openAs } from '../../test/support/clients.ts';
import { testSettings } from '../../test/support/node.ts';
import type { PresenceTimings } from '../config.ts';
import { silentLogger } from '../instrument/log.ts';
import { type SocketNode, startSocketNode } from '../node.ts';

/**
 * Every catalogue event, sent the two ways clients send them: with an ack callback, and without
 * one (the normal way for typing and heartbeats). Either way the handler must run.
 */
const MODES = {
  'with an ack': async (socket: ClientSocket, event: string, ...args: unknown[]) => {
    expect(await socket.emitWithAck(event, ...args)).toEqual({ ok: true });
  },
  'without an ack': async (socket: ClientSocket, event: string, ...args: unknown[]) => {
    socket.emit(event, ...args);
  },
};
type Mode = keyof typeof MODES;
const modes = Object.keys(MODES) as Mode[];

/**
 * A socket's events are handled in order, so once this acked no-op is answered every event the
 * socket sent before it has been handled.
 */
async function sentinel(socket: ClientSocket): Promise<void> {
  expect(await socket.emitWithAck('leave:thread', { threadId: 'sentinel' })).toEqual({ ok: true });
}

async function startNode(presence?: PresenceTimings): Promise<SocketNode> {
  const settings = testSettings(presence ? { presence } : {});
  return startSocketNode(settings, { store: createMemoryStore(), log: silentLogger });
}

const slug = (mode: Mode) => mode.replaceAll(' ', '-');
const isUser = (userId: string) => (status: { userId: string }) => status.userId === userId;

describe('the event catalogue, each event with and without an ack', () => {
  let node: SocketNode;
  beforeAll(async () => {
    node = await startNode();
  });
  afterAll(async () => {
    closeAll();
    await node.close();
  });
  afterEach(() => closeAll());

  const as = (namespace: string, claims: Claims) => openAs(`${node.url}${namespace}`, claims);
  const roomsOf = (socket: ClientSocket) => node.io.of('/hub').sockets.get(socket.id ?? '')?.rooms;

  it.each(modes)('join:thread %s joins the thread room', async (mode) => {
    const staff = await as('/hub', { sub: `join-${slug(mode)}`, role: 'attendant' });
    await MODES[mode](staff, 'join:thread', { threadId: 'join-1' });
    await sentinel(staff);
    expect(roomsOf(staff)?.has('thread:join-1')).toBe(true);
  });

  it.each(modes)('leave:thread %s leaves the thread room', async (mode) => {
    const staff = await as('/hub', { sub: `leave-${slug(mode)}`, role: 'attendant' });
    await staff.emitWithAck('join:thread', { threadId: 'leave-1' });
    expect(roomsOf(staff)?.has('thread:leave-1')).toBe(true);
    await MODES[mode](staff, 'leave:thread', { threadId: 'leave-1' });
    await sentinel(staff);
    expect(roomsOf(staff)?.has('thread:leave-1')).toBe(false);
  });

  it.each(
    modes.flatMap((mode) => [
      ['typing:start', mode, true],
      ['typing:stop', mode, false],
    ]) as [string, Mode, boolean][],
  )('%s %s relays thread:typing to the other participants', async (event, mode, typing) => {
    const threadId = `typing-${event}-${slug(mode)}`;
    const client = await as('/portal', { sub: 'typing-c1', role: 'client', threads: [threadId] });
    const attendant = await as('/hub', { sub: 'typing-a1', role: 'attendant' });
    for (const socket of [client, attendant]) await socket.emitWithAck('join:thread', { threadId });
    const seen = next(attendant, 'thread:typing');
    await MODES[mode](client, event, { threadId });
    expect(await seen).toEqual({ threadId, userId: 'typing-c1', typing });
  });

  // One user per case: a user's chosen status outlives a reconnect within the grace period.
  it.each(modes)('presence:away %s announces the attendant away', async (mode) => {
    const userId = `away-${slug(mode)}`;
    const watcher = await as('/hub', { sub: `${userId}-watcher`, role: 'admin' });
    const attendant = await as('/hub', { sub: userId, role: 'attendant' });
    const away = next(watcher, 'attendant:away', 3000, isUser(userId));
    await MODES[mode](attendant, 'presence:away');
    expect((await away).userId).toBe(userId);
  });

  it.each(modes)('presence:online %s announces an away attendant online again', async (mode) => {
    const userId = `online-${slug(mode)}`;
    const watcher = await as('/hub', { sub: `${userId}-watcher`, role: 'admin' });
    const attendant = await as('/hub', { sub: userId, role: 'attendant' });
    const away = next(watcher, 'attendant:away', 3000, isUser(userId));
    await attendant.emitWithAck('presence:away');
    await away;
    const online = next(watcher, 'attendant:online', 3000, isUser(userId));
    await MODES[mode](attendant, 'presence:online');
    expect((await online).userId).toBe(userId);
  });
});

describe('heartbeat, with and without an ack', () => {
  let node: SocketNode;
  beforeAll(async () => {
    // Fast heartbeats: an attendant who sends none goes away within a fraction of a second.
    node = await startNode({ heartbeatMs: 100, graceMs: 5000, ttlMs: 30_000 });
  });
  afterAll(async () => {
    closeAll();
    await node.close();
  });
  afterEach(() => closeAll());

  it.each(modes)('heartbeat %s brings an attendant who went stale back online', async (mode) => {
    const userId = `beat-${slug(mode)}`;
    const watcher = await openAs(`${node.url}/hub`, { sub: `${userId}-watcher`, role: 'admin' });
    const away = next(watcher, 'attendant:away', 3000, isUser(userId));
    const attendant = await openAs(`${node.url}/hub`, { sub: userId, role: 'attendant' });
    await away;
    const online = next(watcher, 'attendant:online', 3000, isUser(userId));
    await MODES[mode](attendant, 'heartbeat');
    expect((await online).userId).toBe(userId);
  });
});
