import type { FlushInput, TelltaleStore } from '@telltale/shared';
import { createMemoryStore } from '@telltale/shared/store/memory';

/** A memory store that keeps every flush a node sends it, to measure what the node writes. */
export function recordingStore(): { store: TelltaleStore; flushes: FlushInput[] } {
  const inner = createMemoryStore();
  const flushes: FlushInput[] = [];
  const store: TelltaleStore = {
    ...inner,
    forCluster(cluster) {
      const bound = inner.forCluster(cluster);
      return {
        ...bound,
        flush(input) {
          flushes.push(input);
          return bound.flush(input);
        },
      };
    },
  };
  return { store, flushes };
}
