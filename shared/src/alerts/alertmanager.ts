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
  /** The edge's public URL (PUBLIC_URL); links point at its alerts page. Empty: no links. */
  externalUrl: string;
  /** Current alert state, so a resolution can carry the time the alert started firing. */
  state?: Record<string, AlertState>;
  receiver?: string;
}

/** Alertmanager's "no end yet" timestamp. */
const OPEN_END = '0001-01-01T00:00:00Z';

/**
 * Builds one webhook body from the notifiable events of a tick (and any a failed delivery left
 * over); null when there is nothing to send. Events are coalesced per alert to the latest one,
 * so a retried batch never holds the same fingerprint twice, and `startsAt` never passes `endsAt`.
 */
export function alertmanagerPayload(
  events: AlertEvent[],
  options: AlertmanagerOptions,
): AlertmanagerPayload | null {
  const latest = new Map<string, { event: AlertEvent; firedAt: number | null }>();
  for (const event of events) {
    if (!isNotifiable(event)) continue;
    const before = latest.get(event.ruleId);
    // A resolution ends the firing seen before it in the batch; a firing starts anew.
    const firedAt = event.to === 'firing' ? event.at : (before?.firedAt ?? null);
    latest.set(event.ruleId, { event, firedAt });
  }
  if (latest.size === 0) return null;
  const base = options.externalUrl.replace(/\/+$/, '');
  const alerts = [...latest.values()].map(({ event, firedAt }): AlertmanagerAlert => {
    const labels = { alertname: event.ruleId, cluster: options.cluster, severity: event.severity };
    const firing = event.to === 'firing';
    const stateFiredAt = options.state?.[event.ruleId]?.firedAt ?? null;
    const startedAt =
      firedAt ?? (stateFiredAt !== null && stateFiredAt <= event.at ? stateFiredAt : event.at);
    return {
      status: firing ? 'firing' : 'resolved',
      labels,
      annotations: {
        summary: `${event.metric} is ${event.value ?? 'unknown'} (threshold ${event.threshold})`,
        description: event.description,
      },
      startsAt: new Date(startedAt).toISOString(),
      endsAt: firing ? OPEN_END : new Date(event.at).toISOString(),
      generatorURL: base ? `${base}/admin/alerts` : '',
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

const FNV_OFFSET = 0xcbf29ce484222325n;
const FNV_PRIME = 0x100000001b3n;
const UINT64 = 0xffffffffffffffffn;
/** Cannot occur in UTF-8, so `{a="1", b=""}` and `{a="1b", …}` never collide. */
const SEPARATOR = 0xff;

/**
 * The fingerprint Alertmanager gives these labels (prometheus/common `LabelSet.Fingerprint`):
 * 64-bit FNV-1a over each name and value in name order, each followed by 0xff, as 16 hex digits.
 */
export function fingerprint(labels: Record<string, string>): string {
  let hash = FNV_OFFSET;
  const add = (byte: number) => {
    hash = ((hash ^ BigInt(byte)) * FNV_PRIME) & UINT64;
  };
  const utf8 = new TextEncoder();
  for (const name of Object.keys(labels).sort()) {
    for (const byte of utf8.encode(name)) add(byte);
    add(SEPARATOR);
    for (const byte of utf8.encode(labels[name] ?? '')) add(byte);
    add(SEPARATOR);
  }
  return hash.toString(16).padStart(16, '0');
}
