import { createMemoryStore } from '@telltale/shared/store/memory';
import { afterEach, describe, expect, it } from 'vitest';
import { type Edge, makeEdge } from '../../edge-api/test/harness.ts';
import { open } from '../../socket-node/test/support/clients.ts';
import {
  type Attack,
  attack,
  type PermissiveApp,
  permissiveApp,
} from '../../socket-node/test/support/hostile.ts';

/**
 * The bars of issue 12 for the edge's public `/metrics`, whatever the clients of `instrument(io)`
 * send, at the default caps: a fixed part plus a part per node, because counters stay per node.
 */
const METRICS_BOUND = {
  json: { base: 16 * 1024, perNode: 64 * 1024 },
  prometheus: { base: 16 * 1024, perNode: 64 * 1024 },
};

let apps: PermissiveApp[] = [];
let attacks: Attack[] = [];
let edge: Edge | undefined;
afterEach(async () => {
  for (const a of attacks) a.close();
  await Promise.all(apps.map((a) => a.close()));
  await edge?.stop();
  apps = [];
  attacks = [];
  edge = undefined;
});

async function scrape(format: 'json' | 'prometheus'): Promise<string> {
  const res = await edge!.app.request(`/metrics?format=${format}`);
  expect(res.status).toBe(200);
  return res.text();
}

describe('public /metrics of a cluster whose clients are hostile', () => {
  for (const nodes of [1, 2]) {
    it(`stays within its bounds with ${nodes} node(s), each under its own attacker`, async () => {
      const store = createMemoryStore();
      edge = makeEdge({ store });
      for (let n = 0; n < nodes; n++) {
        const app = await permissiveApp(store, { nodeId: `hostile-${n}` });
        apps.push(app);
        attacks.push(await attack(app.url, { namespaces: 300, seed: n }));
        expect(await app.instrumentation.flushNow()).toBe(true);
      }
      await edge.aggregator.aggregator.tick();
      for (const format of ['json', 'prometheus'] as const) {
        const bytes = Buffer.byteLength(await scrape(format));
        const { base, perNode } = METRICS_BOUND[format];
        console.log(`/metrics ${format} with ${nodes} hostile node(s): ${bytes} bytes`);
        expect(bytes).toBeLessThanOrEqual(base + nodes * perNode);
      }
    });
  }

  it('shows no room names: colon-less rooms count as other, the largest room is masked', async () => {
    const store = createMemoryStore();
    edge = makeEdge({ store });
    const app = await permissiveApp(store, { nodeId: 'rooms' });
    apps.push(app);
    const socket = await open(`${app.url}/chat`, { transports: ['websocket'] });
    for (let i = 0; i < 2000; i++) socket.emit('join', `secret-game-${i}-0`);
    await socket.emitWithAck('join', 'thread:1');
    // Three more members: the largest room.
    for (let i = 0; i < 3; i++) {
      const member = await open(`${app.url}/chat`, { transports: ['websocket'] });
      await member.emitWithAck('join', 'secret-game-0-0');
    }
    expect(await app.instrumentation.flushNow()).toBe(true);
    await edge.aggregator.aggregator.tick();

    const json = await scrape('json');
    const prometheus = await scrape('prometheus');
    for (const body of [json, prometheus]) expect(body).not.toContain('secret-game');
    const { rooms } = JSON.parse(json) as { rooms: { by_prefix: Record<string, number>; largest: unknown } };
    expect(rooms.by_prefix).toEqual({ other: 2000, thread: 1 });
    expect(rooms.largest).toEqual({ namespace: '/chat', name: 'other:*', size: 4 });

    const admin = await edge.app.request('/admin/rooms?limit=1', {
      headers: { authorization: `Bearer ${edge.config.ADMIN_TOKEN}` },
    });
    expect(await admin.json()).toMatchObject({ items: [{ name: 'secret-game-0-0', size: 4 }] });
  });
});
