import type { EdgeConfig, EdgeStore } from '@telltale/shared';
import type { AggregatorOptions } from './aggregator.ts';

/** The aggregator's settings from the edge's config, the same on Node and in the Durable Object. */
export function aggregatorOptions(config: EdgeConfig, store: EdgeStore): AggregatorOptions {
  return {
    cluster: config.CLUSTER_ID,
    intervalMs: config.TICK_INTERVAL_MS ?? config.FLUSH_INTERVAL_MS,
    expectedNodes: config.EXPECTED_NODES,
    store,
    webhookUrl: config.ALERT_WEBHOOK_URL,
    alertmanagerUrls: config.ALERTMANAGER_URL ?? [],
    externalUrl: config.PUBLIC_URL,
    slo: { target: config.SLO_TARGET, windowMs: config.SLO_WINDOW },
    warnIncidentAfterMs: config.STATUS_WARN_INCIDENT_MS ?? null,
    commandTimeoutMs: config.COMMAND_TIMEOUT_MS,
    commandSigningKey: config.COMMAND_SIGNING_KEY,
  };
}
