import { type ClusterView, type EdgeStore, mergeCluster, RateBaseline } from '@telltale/shared';
import type { Namespace } from 'socket.io';
import type { Instrumentation } from '../instrument/instrumentation.ts';
import { describeError, type InstrumentLogger } from '../instrument/log.ts';
import type { NodeClientEvents, NodeServerEvents } from './events.ts';

export interface AdminDeps {
  /** Reads the cluster as the edge does. */
  store: Pick<EdgeStore, 'cluster' | 'readCluster'>;
  intervalMs: number;
  instrumentation: Instrumentation;
  log: InstrumentLogger;
}

/**
 * The /admin namespace of the reference app, answering with the CLUSTER view (every node's snapshot merged
 * by the shared code), not this node's: `metrics:request` → `metrics:snapshot`, and `metrics:update`
 * after every flush. Each node pushes updates to its own admin sockets only.
 */
export function mountAdmin(
  admin: Namespace<NodeClientEvents, NodeServerEvents>,
  deps: AdminDeps,
): () => void {
  const history = new RateBaseline();
  const clusterView = async (): Promise<ClusterView> => {
    const read = await deps.store.readCluster();
    const view = mergeCluster(read, Date.now(), {
      cluster: deps.store.cluster,
      intervalMs: deps.intervalMs,
    });
    return history.rateAndKeep(view);
  };

  admin.on('connection', (socket) => {
    socket.on('metrics:request', (ack) => {
      clusterView().then(
        (view) => {
          socket.emit('metrics:snapshot', view);
          if (typeof ack === 'function') ack({ ok: true, view });
        },
        (error: unknown) => {
          deps.log.warn(`cluster view unavailable for metrics:request: ${describeError(error)}`);
          if (typeof ack === 'function')
            ack({ ok: false, error: `cluster view unavailable: ${describeError(error)}` });
        },
      );
    });
  });

  let pushing = false;
  return deps.instrumentation.onFlush(() => {
    if (admin.sockets.size === 0 || pushing) return;
    pushing = true;
    clusterView()
      .then(
        (view) => admin.local.emit('metrics:update', view),
        (error: unknown) => deps.log.warn(`metrics:update skipped: ${describeError(error)}`),
      )
      .finally(() => {
        pushing = false;
      });
  });
}
