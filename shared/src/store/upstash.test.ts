import { Redis as UpstashRedis } from '@upstash/redis';
import { describe, expect, it } from 'vitest';
import { freePort } from '../../../test/support/redis.ts';
import { createUpstashStore } from './upstash.ts';

describe('upstash store', () => {
  it('rejects a subscription the REST endpoint never confirms, and a call it cannot reach', async () => {
    const port = await freePort();
    const client = new UpstashRedis({
      url: `http://127.0.0.1:${port}`,
      token: 't',
      retry: false,
      automaticDeserialization: false,
    });
    const store = createUpstashStore(client, { subscribeTimeoutMs: 1000 });
    await expect(store.subscribeEvents('c', () => {})).rejects.toThrow();
    await expect(store.ping()).rejects.toThrow();
    await store.close();
  });
});
