import type { AlertEvent, HealthReport, HealthStatus } from '@telltale/shared';
import type { StatusTick } from '../../src/status/keeper.ts';

/** A health report as evaluateHealth writes it for `live` of `expected` nodes (and a store error). */
export function healthOf(status: HealthStatus, live = status === 'fail' ? 1 : 2, expected = 2): HealthReport {
  return {
    status,
    serviceId: 'telltale-edge:default',
    description: 'Telltale cluster default',
    checks: {
      'store:reachable': [{ componentType: 'datastore', observedValue: true, status: 'pass' }],
      'nodes:live': [
        { componentType: 'system', observedValue: live, status: live < expected ? 'fail' : 'pass' },
      ],
      'nodes:state':
        status === 'warn'
          ? [
              {
                componentId: 'node-secret-id',
                componentType: 'system',
                observedValue: 'lost',
                status: 'warn',
              },
            ]
          : [],
    },
  };
}

export function tickAt(at: number, status: HealthStatus, alertEvents: AlertEvent[] = []): StatusTick {
  return {
    at,
    health: healthOf(status),
    nodes: { live: status === 'fail' ? 1 : 2, stale: 0, lost: status === 'warn' ? 1 : 0, invalid: 0 },
    connections: 10,
    errorCount: 0,
    latencyP95: 12,
    latencyP99: 30,
    alertEvents,
  };
}

export const quiet = { warn: () => {} };
