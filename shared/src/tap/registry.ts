import type { TelltaleStore } from '../store/port.ts';
import { memoryTaps, type TapStore } from './store.ts';

/** Redis-backed stores announce their taps here when they are made (`createRedisStore`). */
const provided = new WeakMap<object, (cluster: string) => TapStore>();
/** The memory store's taps: one per store object and cluster, so its nodes and edges share them. */
const inMemory = new WeakMap<object, Map<string, TapStore>>();

/** Called by a store adapter: this store keeps taps where `taps(cluster)` says. */
export function provideTaps(store: TelltaleStore, taps: (cluster: string) => TapStore): void {
  provided.set(store, taps);
}

/** The taps of one cluster on a store connection: the node appends to them, the edge reads them. */
export function tapStoreOf(store: TelltaleStore, cluster: string): TapStore {
  const taps = provided.get(store);
  if (taps) return taps(cluster);
  if (store.kind !== 'memory') {
    return unavailable(`this ${store.kind} store was not made by createRedisStore: it keeps no taps`);
  }
  let clusters = inMemory.get(store);
  if (!clusters) {
    clusters = new Map();
    inMemory.set(store, clusters);
  }
  let memory = clusters.get(cluster);
  if (!memory) {
    memory = memoryTaps();
    clusters.set(cluster, memory);
  }
  return memory;
}

/** Taps on a store that keeps none: every call says so, and nothing fails before a tap is used. */
function unavailable(reason: string): TapStore {
  const refuse = () => Promise.reject(new Error(reason));
  return { appendTap: refuse, saveTap: refuse, readTaps: refuse, readTapEntries: refuse };
}
