import type { AlertEvent, AlertState } from '../schema/alert.ts';
import { isNotifiable } from './engine.ts';

export interface AlertmanagerAlert {
  status: 'firing' | 'resolved';
  labels: Record<string, string>;
  annotations: Record<string, string>;
  startsAt: string;
  endsAt: string;
  generatorURL: string;
  fingerprint: string;
}

/** The body Alertmanager posts to a webhook receiver (version 4), so existing receivers accept ours. */
export interface AlertmanagerPayload {
  version: '4';
  groupKey: string;
  truncatedAlerts: number;
  status: 'firing' | 'resolved';
  receiver: string;
  groupLabels: Record<string, string>;
  commonLabels: Record<string, string>;
  commonAnnotations: Record<string, string>;
  externalURL: string;
  alerts: AlertmanagerAlert[];
}

export interface AlertmanagerOptions {
  cluster: string;
  /** Base URL of the edge API; links point at its alerts page. */
  externalUrl: string;
  /** Current alert state, so a resolution can carry the time the alert started firing. */
  state?: Record<string, AlertState>;
  receiver?: string;
}

/** Alertmanager's "no end yet" timestamp. */
const OPEN_END = '0001-01-01T00:00:00Z';

/** Builds one webhook body from the notifiable events of a tick; null when there is nothing to send. */
export function alertmanagerPayload(
  events: AlertEvent[],
  options: AlertmanagerOptions,
): AlertmanagerPayload | null {
  const notifiable = events.filter(isNotifiable);
  if (notifiable.length === 0) return null;
  const base = options.externalUrl.replace(/\/+$/, '');
  const alerts = notifiable.map((event): AlertmanagerAlert => {
    const labels = { alertname: event.ruleId, cluster: options.cluster, severity: event.severity };
    const firing = event.to === 'firing';
    const firedAt = options.state?.[event.ruleId]?.firedAt ?? event.at;
    return {
      status: firing ? 'firing' : 'resolved',
      labels,
      annotations: {
        summary: `${event.metric} is ${event.value ?? 'unknown'} (threshold ${event.threshold})`,
        description: event.description,
      },
      startsAt: new Date(firing ? event.at : firedAt).toISOString(),
      endsAt: firing ? OPEN_END : new Date(event.at).toISOString(),
      generatorURL: `${base}/admin/alerts`,
      fingerprint: fingerprint(labels),
    };
  });
  const groupLabels = { cluster: options.cluster };
  return {
    version: '4',
    groupKey: `{}:{cluster="${options.cluster}"}`,
    truncatedAlerts: 0,
    status: alerts.some((a) => a.status === 'firing') ? 'firing' : 'resolved',
    receiver: options.receiver ?? 'telltale',
    groupLabels,
    commonLabels: common(alerts.map((a) => a.labels)),
    commonAnnotations: common(alerts.map((a) => a.annotations)),
    externalURL: base,
    alerts,
  };
}

function common(maps: Record<string, string>[]): Record<string, string> {
  const [first, ...rest] = maps;
  if (!first) return {};
  return Object.fromEntries(Object.entries(first).filter(([k, v]) => rest.every((m) => m[k] === v)));
}

/** Stable 64-bit FNV-1a over the sorted label pairs, hex-encoded like Alertmanager's fingerprints. */
export function fingerprint(labels: Record<string, string>): string {
  let hash = 0xcbf29ce484222325n;
  const text = Object.keys(labels)
    .sort()
    .map((k) => `${k}\u0000${labels[k]}\u0000`)
    .join('');
  for (const byte of new TextEncoder().encode(text)) {
    hash ^= BigInt(byte);
    hash = (hash * 0x100000001b3n) & 0xffffffffffffffffn;
  }
  return hash.toString(16).padStart(16, '0');
}
