import type { ClusterView } from '@telltale/shared';
import type { HistoryResponse } from './schemas.ts';

/** Columns ready for uPlot: times in seconds, one array per series, aligned by index. */
export interface SeriesFrame {
  times: number[];
  columns: Map<string, (number | null)[]>;
}

/** Prefix of the per-node memory series, which only the live feed carries. */
export const NODE_RSS_PREFIX = 'node-rss:';

export function emptyFrame(): SeriesFrame {
  return { times: [], columns: new Map() };
}

const LATENCY_KEYS = ['p50', 'p95', 'p99'] as const;

/** History from the edge; minute rollups chart their average, and latency from the minute's merged sketch. */
export function frameFromHistory(history: HistoryResponse): SeriesFrame {
  const frame = emptyFrame();
  if (history.resolution === 'tick') {
    for (const point of history.points) appendPoint(frame, point.at, point.values);
    return frame;
  }
  for (const point of history.points) {
    const values: Record<string, number | null> = {};
    for (const [name, agg] of Object.entries(point.series)) values[name] = agg.avg;
    for (const key of LATENCY_KEYS) values[`events.latency.${key}`] = point.latency[key];
    appendPoint(frame, point.at, values);
  }
  return frame;
}

/** The same series the edge keeps in its history, read from one live view, plus per-node memory. */
export function valuesFromView(view: ClusterView): Record<string, number | null> {
  const values: Record<string, number | null> = {
    'connections.total': view.connections.total,
    'connections.hub': view.connections.hub ?? null,
    'connections.portal': view.connections.portal ?? null,
    'connections.rate.1m': view.connections.rate['1m'],
    'disconnections.rate.1m': view.disconnections.rate['1m'],
    'events.throughput.inbound': view.events.throughput.inbound,
    'events.throughput.outbound': view.events.throughput.outbound,
    'connections.rate.interval': view.connections.rate.interval ?? null,
    'disconnections.rate.interval': view.disconnections.rate.interval ?? null,
    'events.throughput.interval.inbound': view.events.throughput.interval?.inbound ?? null,
    'events.throughput.interval.outbound': view.events.throughput.interval?.outbound ?? null,
    'events.latency.p50': view.events.latency.p50,
    'events.latency.p95': view.events.latency.p95,
    'events.latency.p99': view.events.latency.p99,
    'presence.online': view.presence.online,
    'presence.away': view.presence.away,
    'presence.stale_clients': view.presence.stale_clients,
    'server.memory.rss': view.server.memory.rss,
    'server.memory.heap': view.server.memory.heap,
  };
  for (const node of view.nodes.list) {
    if (node.memory && node.state !== 'lost') values[`${NODE_RSS_PREFIX}${node.id}`] = node.memory.rss;
  }
  return values;
}

/**
 * Appends one point at `atMs`. A point not newer than the last is dropped (a forced update can
 * repeat a tick); a series first seen now gets nulls for the earlier points.
 */
export function appendPoint(
  frame: SeriesFrame,
  atMs: number,
  values: Record<string, number | null>,
): boolean {
  const t = atMs / 1000;
  const last = frame.times[frame.times.length - 1];
  if (last !== undefined && t <= last) return false;
  const length = frame.times.length;
  frame.times.push(t);
  for (const [name, value] of Object.entries(values)) {
    let column = frame.columns.get(name);
    if (!column) {
      column = new Array<number | null>(length).fill(null);
      frame.columns.set(name, column);
    }
    column.push(value);
  }
  for (const column of frame.columns.values()) if (column.length === length) column.push(null);
  return true;
}

/** Drops points older than `sinceMs`, keeping the columns aligned. */
export function trimFrame(frame: SeriesFrame, sinceMs: number): void {
  const since = sinceMs / 1000;
  let drop = 0;
  while (drop < frame.times.length && (frame.times[drop] ?? 0) < since) drop++;
  if (drop === 0) return;
  frame.times.splice(0, drop);
  for (const column of frame.columns.values()) column.splice(0, drop);
}

/** Series names of per-node memory present in the frame, sorted for a stable legend. */
export function nodeMemorySeries(frame: SeriesFrame): string[] {
  return [...frame.columns.keys()].filter((name) => name.startsWith(NODE_RSS_PREFIX)).sort();
}

/**
 * Lays live points over a frame loaded from history: a live point at a tick already in the frame
 * fills the columns history lacks (per-node memory); a newer one is appended.
 */
export function mergeLivePoints(
  frame: SeriesFrame,
  live: { at: number; values: Record<string, number | null> }[],
) {
  const index = new Map(frame.times.map((t, i) => [t, i]));
  for (const point of live) {
    const i = index.get(point.at / 1000);
    if (i === undefined) {
      appendPoint(frame, point.at, point.values);
      continue;
    }
    for (const [name, value] of Object.entries(point.values)) {
      let column = frame.columns.get(name);
      if (!column) {
        column = new Array<number | null>(frame.times.length).fill(null);
        frame.columns.set(name, column);
      }
      if (column[i] === null || column[i] === undefined) column[i] = value;
    }
  }
}
