import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createMemoryStore } from '@telltale/shared/store/memory';
import { Server } from 'socket.io';
import { afterEach, describe, expect, it } from 'vitest';
import { closeAll, open, refusal } from '../../test/support/clients.ts';
import { instrument } from './index.ts';
import { silentLogger } from './log.ts';

const cleanup: (() => Promise<void>)[] = [];

afterEach(async () => {
  closeAll();
  for (const step of cleanup.splice(0).reverse()) await step();
});

describe('refused connections', () => {
  it('counts each connection the node refuses by its reason, and none it admits', async () => {
    const http = createServer();
    const io = new Server(http);
    const telltale = instrument(io, {
      store: createMemoryStore(),
      cluster: 'test',
      nodeId: 'node-r',
      flushIntervalMs: 60_000,
      log: silentLogger,
    });
    await telltale.start();
    await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
    cleanup.push(async () => {
      await telltale.stop();
      io.close();
    });
    const url = `http://127.0.0.1:${(http.address() as AddressInfo).port}`;

    await open(url, { transports: ['websocket'] });
    expect(telltale.snapshot().counters.refusedConnections).toEqual({});

    telltale.setMaintenance(true, 'back soon');
    expect(await refusal(url, { transports: ['websocket'] })).toBe(
      'server is in maintenance mode: back soon',
    );
    expect(await refusal(url, { transports: ['websocket'] })).toBe(
      'server is in maintenance mode: back soon',
    );
    expect(telltale.snapshot().counters.refusedConnections).toEqual({ maintenance: 2 });
    expect(telltale.snapshot().counters.authFailures).toBe(0);
  });
});
