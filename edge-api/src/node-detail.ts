import { type ClusterView, type EdgeStore, withNodeDetail } from '@telltale/shared';

/**
 * A tick reads pulses only; what is per node and by label (counters by type and reason, per-node
 * latency sketches) comes from the nodes' whole snapshots, read once per tick view when something
 * first asks for it (a scrape of `/metrics`, `/admin/nodes`). When that read fails the view is
 * served as the tick left it: cluster figures and each node's totals, without the per-node detail.
 */
const detailed = new WeakMap<ClusterView, Promise<ClusterView>>();

export function withDetail(view: ClusterView, store: EdgeStore): Promise<ClusterView> {
  let answer = detailed.get(view);
  if (!answer) {
    answer = store.readNodes().then(
      (records) => withNodeDetail(view, records),
      () => view,
    );
    detailed.set(view, answer);
  }
  return answer;
}
