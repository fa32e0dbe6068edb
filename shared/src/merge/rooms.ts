import type { ClusterView } from '../schema/cluster.ts';
import type { NodeRooms } from '../schema/snapshot.ts';
import { plainCounts } from './counts.ts';
import { foldCounts, isLabel, MAX_LABEL_LENGTH, OVERFLOW_LABEL } from './labels.ts';

const TOP_ROOMS = 10;
const COLON = 58;

/**
 * `thread:42` → `thread`. A name without `:` (often an id itself) or whose prefix is not a fit label
 * counts as `other`, so prefixes stay few and never carry a room's name. Nodes use this to fill
 * `byPrefix`, the merge to fill `by_prefix`.
 */
export function roomPrefix(name: string): string {
  const colon = name.indexOf(':');
  if (colon < 1 || colon > MAX_LABEL_LENGTH) return OVERFLOW_LABEL;
  const prefix = name.slice(0, colon);
  return isLabel(prefix) ? prefix : OVERFLOW_LABEL;
}

/** Whether `roomPrefix(name) === prefix` for a `prefix` roomPrefix returned, mostly without cutting a string. */
function hasPrefix(name: string, prefix: string): boolean {
  if (prefix === OVERFLOW_LABEL || prefix === '') return roomPrefix(name) === prefix;
  return name.startsWith(prefix) && name.charCodeAt(prefix.length) === COLON;
}

export interface Room {
  name: string;
  size: number;
}

/**
 * Rooms are a union by name: the same room on two nodes is one room whose size is the sum.
 * When a node capped its list, its unseen rooms are only known through its `byPrefix` counts,
 * so the prefix counts become their sum over nodes (an upper bound) and `approximate` is set.
 */
export class RoomUnion {
  private readonly sizes = new Map<string, number>();
  private readonly byPrefix: Record<string, number> = Object.create(null); // room names come from clients
  private readonly nodePrefixes: Record<string, number>[] = [];
  private members = 0;
  private anyTruncated = false;
  // Rooms of one prefix mostly come in runs (a node lists its `user:` rooms together), so distinct
  // rooms are counted per run and a prefix string is cut only when the run changes.
  private prefix = '';
  private run = 0;
  private sorted: Room[] | null = null;

  add(rooms: NodeRooms): void {
    this.sorted = null;
    if (rooms.truncated) this.anyTruncated = true;
    this.nodePrefixes.push(rooms.byPrefix);
    const { sizes } = this;
    const list = rooms.sizes;
    let members = 0;
    for (let i = 0; i < list.length; i++) {
      const room = list[i]!;
      const name = room[0];
      const size = room[1];
      members += size;
      const seen = sizes.get(name);
      if (seen !== undefined) {
        sizes.set(name, seen + size);
        continue;
      }
      sizes.set(name, size);
      if (!hasPrefix(name, this.prefix)) {
        this.endRun();
        this.prefix = roomPrefix(name);
      }
      this.run++;
    }
    this.members += members;
  }

  /** The view's `rooms` section; `topRooms` bounds `top` (Infinity lists the whole table). */
  summary(topRooms = TOP_ROOMS): ClusterView['rooms'] {
    this.endRun();
    const { sizes } = this;
    const byPrefix: Record<string, number> = Object.assign(Object.create(null), this.byPrefix);
    if (this.anyTruncated) {
      const summed: Record<string, number> = Object.create(null);
      for (const counts of this.nodePrefixes) {
        for (const [prefix, n] of Object.entries(counts)) summed[prefix] = (summed[prefix] ?? 0) + n;
      }
      for (const [prefix, n] of Object.entries(summed)) byPrefix[prefix] = Math.max(byPrefix[prefix] ?? 0, n);
    }
    const total = this.anyTruncated ? Object.values(byPrefix).reduce((a, b) => a + b, 0) : sizes.size;
    const top = topRooms >= sizes.size ? this.table() : largestRooms(sizes, topRooms);
    return {
      total,
      by_prefix: plainCounts(foldCounts(byPrefix)),
      avg_size: sizes.size === 0 ? 0 : this.members / sizes.size,
      largest: top[0] ?? null,
      top,
      approximate: this.anyTruncated,
    };
  }

  /** True once a node capped its list: the table then misses some small rooms. */
  get approximate(): boolean {
    return this.anyTruncated;
  }

  /** Every room, largest first, then by name; sorted once, on the first call after the last `add`. */
  table(): Room[] {
    this.sorted ??= sortRooms(this.sizes);
    return this.sorted;
  }

  private endRun(): void {
    if (this.run > 0) this.byPrefix[this.prefix] = (this.byPrefix[this.prefix] ?? 0) + this.run;
    this.run = 0;
  }
}

/** The merged `rooms` section of the view for these nodes' room lists. */
export function mergeRooms(nodes: NodeRooms[], topRooms = TOP_ROOMS): ClusterView['rooms'] {
  const union = new RoomUnion();
  for (const rooms of nodes) union.add(rooms);
  return union.summary(topRooms);
}

/** Largest first, then by name (code unit order, as `<` compares). */
export function compareRooms(x: Room, y: Room): number {
  return y.size - x.size || (x.name < y.name ? -1 : x.name > y.name ? 1 : 0);
}

/** The k largest rooms in one pass with a small sorted buffer, since k is usually 10. */
function largestRooms(sizes: Map<string, number>, k: number): Room[] {
  const top: Room[] = [];
  if (k <= 0) return top;
  sizes.forEach((size, name) => {
    if (top.length === k) {
      const last = top[k - 1]!;
      if (size < last.size || (size === last.size && name >= last.name)) return;
    }
    const room = { name, size };
    let i = top.length;
    while (i > 0 && compareRooms(room, top[i - 1]!) < 0) i--;
    top.splice(i, 0, room);
    if (top.length > k) top.pop();
  });
  return top;
}

/**
 * The whole table in `compareRooms` order. Sizes are few distinct small numbers, so rooms are grouped
 * by size and each group's names sorted by the engine's default string order, which is `<`'s order
 * and much cheaper than a comparator over 100,000 rows.
 */
function sortRooms(sizes: Map<string, number>): Room[] {
  const bySize = new Map<number, string[]>();
  sizes.forEach((size, name) => {
    const names = bySize.get(size);
    if (names) names.push(name);
    else bySize.set(size, [name]);
  });
  const rows: Room[] = [];
  for (const size of [...bySize.keys()].sort((a, b) => b - a)) {
    for (const name of bySize.get(size)!.sort()) rows.push({ name, size });
  }
  return rows;
}
