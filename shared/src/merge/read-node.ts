import { NodeSnapshot, SNAPSHOT_VERSION } from '../schema/snapshot.ts';
import { DEFAULT_ALPHA, LatencySketch } from '../sketch/latency-sketch.ts';
import type { NodeRecord } from '../store/port.ts';

/** A node record sorted into what merge can use; every failure becomes an `error`, never a throw. */
export type ReadNode =
  | { nodeId: string; lastFlushAt: number; kind: 'lost' }
  | { nodeId: string; lastFlushAt: number; kind: 'invalid'; error: string }
  | {
      nodeId: string;
      lastFlushAt: number;
      kind: 'valid';
      snapshot: NodeSnapshot;
      window: LatencySketch;
      cumulative: LatencySketch;
    };

const MAX_ISSUES = 3;

export function readNode(record: NodeRecord, cluster: string): ReadNode {
  const { nodeId, lastFlushAt } = record;
  if (record.raw === null) return { nodeId, lastFlushAt, kind: 'lost' };
  const invalid = (error: string): ReadNode => ({ nodeId, lastFlushAt, kind: 'invalid', error });

  let json: unknown;
  try {
    json = JSON.parse(record.raw);
  } catch (err) {
    return invalid(`snapshot is not valid JSON: ${(err as Error).message}`);
  }
  const version = typeof json === 'object' && json !== null ? (json as { v?: unknown }).v : undefined;
  if (version !== SNAPSHOT_VERSION) {
    return invalid(
      `snapshot version ${JSON.stringify(version) ?? 'missing'} is not supported (this edge reads v${SNAPSHOT_VERSION})`,
    );
  }
  const parsed = NodeSnapshot.safeParse(json);
  if (!parsed.success) {
    const issues = parsed.error.issues;
    const listed = issues
      .slice(0, MAX_ISSUES)
      .map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`)
      .join('; ');
    const more = issues.length > MAX_ISSUES ? ` (+${issues.length - MAX_ISSUES} more)` : '';
    return invalid(`snapshot failed validation: ${listed}${more}`);
  }
  const snapshot = parsed.data;
  if (snapshot.node.id !== nodeId) {
    return invalid(`snapshot belongs to node '${snapshot.node.id}', not '${nodeId}'`);
  }
  if (snapshot.node.cluster !== cluster) {
    return invalid(`snapshot belongs to cluster '${snapshot.node.cluster}', not '${cluster}'`);
  }
  try {
    const window = LatencySketch.fromJSON(snapshot.latency.window);
    const cumulative = LatencySketch.fromJSON(snapshot.latency.cumulative);
    for (const s of [window, cumulative]) {
      if (s.alpha !== DEFAULT_ALPHA) {
        return invalid(`latency sketch alpha ${s.alpha} differs from the cluster's ${DEFAULT_ALPHA}`);
      }
    }
    return { nodeId, lastFlushAt, kind: 'valid', snapshot, window, cumulative };
  } catch (err) {
    return invalid((err as Error).message);
  }
}
