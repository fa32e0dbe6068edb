import type { Socket } from 'socket.io';
import { describe, expect, it } from 'vitest';
import { Admission } from './admission.ts';
import { SocketTable } from './socket-table.ts';

function fakeSocket(id: string): Socket {
  return { id, nsp: { name: '/chat' } } as unknown as Socket;
}

describe('Admission', () => {
  it('refuses connections in maintenance with its message and while draining, with a code', () => {
    const admission = new Admission(new SocketTable());
    expect(admission.refuseConnection()).toBeNull();
    admission.setMaintenance(true, 'db upgrade', true);
    const maintenance = admission.refuseConnection();
    expect(maintenance?.message).toBe('server is in maintenance mode: db upgrade');
    expect(maintenance?.data).toEqual({ code: 'maintenance' });
    expect(admission.notReadyReason()).toBe('maintenance mode: db upgrade');
    admission.drain();
    admission.setMaintenance(false, null, true);
    expect(admission.mode).toBe('draining');
    expect(admission.refuseConnection()?.message).toBe('server is shutting down: reconnect to another node');
  });

  it('returns from maintenance to where the node was', () => {
    const admission = new Admission(new SocketTable());
    admission.setMaintenance(true, null, false);
    expect(admission.refuseConnection()?.message).toBe('server is in maintenance mode: try again later');
    admission.setMaintenance(false, null, false);
    expect(admission.mode).toBe('starting');
    admission.started();
    expect([admission.mode, admission.notReadyReason()]).toEqual(['running', null]);
  });

  it('refuses events over the per-socket limit, then over the per-user one, answering the ack', () => {
    const sockets = new SocketTable();
    const admission = new Admission(sockets);
    const identity = { userId: 'u1', role: null };
    const a = sockets.add(fakeSocket('a'), identity, 'websocket', 0);
    const b = sockets.add(fakeSocket('b'), identity, 'websocket', 0);
    admission.setRateLimits({
      perSocket: { limit: 2, windowMs: 1000 },
      perUser: { limit: 3, windowMs: 1000 },
    });
    const answers: unknown[] = [];
    const ack = (answer: unknown) => answers.push(answer);
    const verdicts = [
      admission.admitEvent(a, ['send', ack], 10),
      admission.admitEvent(a, ['send', ack], 20),
      admission.admitEvent(a, ['send', ack], 30),
      admission.admitEvent(b, ['send', ack], 40),
      admission.admitEvent(b, ['send', ack], 50),
    ];
    expect(verdicts).toEqual([true, true, false, true, false]);
    expect(answers).toEqual([
      { ok: false, error: 'rate limited: more than 2 events per 1000 ms on this socket' },
      { ok: false, error: 'rate limited: more than 3 events per 1000 ms for this user' },
    ]);
    expect(admission.admitEvent(b, ['send'], 1050)).toBe(true);
  });
});
