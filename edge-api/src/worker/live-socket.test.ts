import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { attachSubscriber, hibernatableConnection, openConnections } from './live-socket.ts';

/** The part of a workerd WebSocket the feed uses, counting attachment reads. */
function fakeSocket(attachment: unknown = null, readyState = 1) {
  const socket = {
    readyState,
    reads: 0,
    stored: attachment,
    deserializeAttachment() {
      socket.reads++;
      return structuredClone(socket.stored);
    },
    serializeAttachment(value: unknown) {
      socket.stored = structuredClone(value);
    },
    send() {},
    close() {},
  };
  return socket;
}
const asWebSocket = (socket: ReturnType<typeof fakeSocket>) => socket as unknown as WebSocket;

describe('hibernatable feed sockets', () => {
  beforeEach(() => {
    vi.stubGlobal('WebSocket', { READY_STATE_OPEN: 1 });
  });
  afterEach(() => {
    vi.unstubAllGlobals();
  });

  it('read the attachment once, and keep state changes on the socket', () => {
    const socket = fakeSocket({ id: 'sub-1', paused: false });
    const connection = hibernatableConnection(asWebSocket(socket));
    expect([connection.id, connection.state, connection.id]).toEqual(['sub-1', { paused: false }, 'sub-1']);
    connection.setState({ paused: true });
    expect(hibernatableConnection(asWebSocket(socket)).state).toEqual({ paused: true });
    expect(socket.stored).toEqual({ id: 'sub-1', paused: true });
    expect(socket.reads).toBe(1);
  });

  it('give a socket without an attachment one id, kept from then on', () => {
    const socket = fakeSocket(undefined);
    const connection = hibernatableConnection(asWebSocket(socket));
    const id = connection.id;
    expect(connection.id).toBe(id);
    expect(socket.stored).toEqual({ id, paused: false });
  });

  it('list only open sockets', () => {
    const open = fakeSocket();
    const closing = fakeSocket(null, 2);
    attachSubscriber(asWebSocket(open), 'open-1');
    attachSubscriber(asWebSocket(closing), 'closing-1');
    expect(openConnections([asWebSocket(open), asWebSocket(closing)]).map((c) => c.id)).toEqual(['open-1']);
    expect(open.reads).toBe(0);
  });
});
