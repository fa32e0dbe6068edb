import { describe, expect, it } from 'vitest';
import type { CommandAck } from '../schema/command.ts';
import { polledAckWatch, pushedAckWatch } from './ack-watch.ts';

const ack = (nodeId: string): CommandAck => ({ commandId: 'c1', nodeId, ok: true, affected: 1, at: 1 });

describe('polledAckWatch', () => {
  it('polls at most maxPolls times while a node stays silent (each poll is a Workers subrequest)', async () => {
    let reads = 0;
    const watch = polledAckWatch(async () => {
      reads++;
      return [ack('node-a')];
    }, 12);
    const started = Date.now();
    const acks = await watch.wait(['node-a', 'node-hung'], 1000);
    const elapsed = Date.now() - started;
    expect(acks).toEqual([ack('node-a')]);
    expect(elapsed).toBeGreaterThanOrEqual(990);
    expect(elapsed).toBeLessThan(3000);
    // Unbounded, 20 ms steps would need ~55 polls in a second.
    expect(reads).toBeLessThanOrEqual(12);
  });

  it('stops at the first poll that has every ack', async () => {
    let reads = 0;
    const watch = polledAckWatch(async () => (++reads >= 3 ? [ack('node-a')] : []), 25);
    expect(await watch.wait(['node-a'], 5000)).toEqual([ack('node-a')]);
    expect(reads).toBe(3);
  });
});

describe('pushedAckWatch', () => {
  it('resolves on the push that completes it and reads the list only for the silent', async () => {
    let reads = 0;
    let closed = 0;
    const readList = async () => {
      reads++;
      return [ack('node-b')];
    };
    const complete = pushedAckWatch(readList, () => closed++);
    setTimeout(() => complete.deliver(ack('node-a')), 10);
    expect(await complete.wait(['node-a'], 5000)).toEqual([ack('node-a')]);
    expect(reads).toBe(0);
    expect(closed).toBe(1);

    // node-b's push was missed (say, a resubscribe): the list read at the deadline finds it once.
    const missed = pushedAckWatch(readList, () => closed++);
    missed.deliver(ack('node-a'));
    expect(await missed.wait(['node-a', 'node-b'], 50)).toEqual([ack('node-a'), ack('node-b')]);
    expect(reads).toBe(1);
    missed.close();
    expect(closed).toBe(2);
  });
});
