import { escapeXml as e, formatTime } from './format.ts';
import type { Incident } from './incidents.ts';
import type { StatusReport } from './report.ts';

const iso = (at: number) => new Date(at).toISOString();

function lastChange(i: Incident): number {
  return Math.max(i.startedAt, i.resolvedAt ?? 0, ...i.timeline.map((t) => t.at));
}

/** The incidents and scheduled maintenance as an Atom feed (RFC 4287), newest change first. */
export function renderAtomFeed(report: StatusReport, options: { title: string; baseUrl: string }): string {
  const base = options.baseUrl.replace(/\/+$/, '');
  const incidents = [...report.activeIncidents, ...report.recentIncidents].sort(
    (a, b) => lastChange(b) - lastChange(a),
  );
  const maintenance = [
    ...(report.maintenance.active ? [report.maintenance.active] : []),
    ...report.maintenance.upcoming,
  ];
  const updated = Math.max(report.generatedAt, ...incidents.map(lastChange));
  const entries = [
    ...incidents.map((i) => {
      const lines = i.timeline.map((t) => `${formatTime(t.at)} ${t.kind}: ${t.text}`).join('\n');
      return `<entry><id>${e(`${base}/status#incident-${i.id}`)}</id><title>${e(`${i.resolvedAt ? '[Resolved] ' : ''}${i.title}`)}</title><updated>${iso(lastChange(i))}</updated><published>${iso(i.startedAt)}</published><link href="${e(`${base}/status#incident-${i.id}`)}"/><content type="text">${e(lines)}</content></entry>`;
    }),
    ...maintenance.map(
      (o) =>
        `<entry><id>${e(`${base}/status#maintenance-${o.windowId}-${o.startsAt}`)}</id><title>${e(`Scheduled maintenance ${formatTime(o.startsAt)} – ${formatTime(o.endsAt)}`)}</title><updated>${iso(o.startsAt)}</updated><link href="${e(`${base}/status`)}"/><content type="text">${e(o.message)}</content></entry>`,
    ),
  ];
  return `<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom"><id>${e(`${base}/status`)}</id><title>${e(options.title)}</title><updated>${iso(updated)}</updated><link rel="self" href="${e(`${base}/status/feed.atom`)}"/><link href="${e(`${base}/status`)}"/><author><name>${e(options.title)}</name></author>${entries.join('')}</feed>
`;
}
