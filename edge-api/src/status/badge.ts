import { escapeXml, formatUptime } from './format.ts';
import type { StatusReport } from './report.ts';

type Color = 'brightgreen' | 'green' | 'yellow' | 'orange' | 'red' | 'blue' | 'lightgrey';

const HEX: Record<Color, string> = {
  brightgreen: '#4c1',
  green: '#97ca00',
  yellow: '#dfb317',
  orange: '#fe7d37',
  red: '#e05d44',
  blue: '#007ec6',
  lightgrey: '#9f9f9f',
};

export interface Badge {
  label: string;
  message: string;
  color: Color;
}

export function statusBadge(report: StatusReport): Badge {
  const { status } = report;
  const by: Record<StatusReport['status'], Badge> = {
    pass: { label: 'status', message: 'operational', color: 'brightgreen' },
    warn: { label: 'status', message: 'degraded', color: 'yellow' },
    fail: { label: 'status', message: 'outage', color: 'red' },
    maintenance: { label: 'status', message: 'maintenance', color: 'blue' },
  };
  return by[status];
}

export function uptimeBadge(uptime: number | null, window: string): Badge {
  const color: Color =
    uptime === null
      ? 'lightgrey'
      : uptime >= 0.999
        ? 'brightgreen'
        : uptime >= 0.99
          ? 'green'
          : uptime >= 0.97
            ? 'yellow'
            : uptime >= 0.95
              ? 'orange'
              : 'red';
  return { label: `uptime ${window}`, message: uptime === null ? 'no data' : formatUptime(uptime), color };
}

/** shields.io's endpoint badge JSON (https://shields.io/badges/endpoint-badge). */
export function shieldsEndpoint(badge: Badge) {
  return { schemaVersion: 1 as const, label: badge.label, message: badge.message, color: badge.color };
}

/** Approximate advance widths of Verdana 11 px, the font shields.io measures with. */
function textWidth(text: string): number {
  let width = 0;
  for (const ch of text) {
    if ("il.:|!'".includes(ch)) width += 3.5;
    else if ('ftjr '.includes(ch)) width += 4.5;
    else if ('mw%MW'.includes(ch)) width += 10;
    else if (/[A-Z0-9]/.test(ch)) width += 7.5;
    else width += 6.5;
  }
  return Math.round(width);
}

/** A flat shields.io-style badge: grey label, coloured message. */
export function renderBadge(badge: Badge): string {
  const label = escapeXml(badge.label);
  const message = escapeXml(badge.message);
  const lw = textWidth(badge.label) + 10;
  const mw = textWidth(badge.message) + 10;
  const w = lw + mw;
  const color = HEX[badge.color];
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${w}" height="20" role="img" aria-label="${label}: ${message}"><title>${label}: ${message}</title><linearGradient id="s" x2="0" y2="100%"><stop offset="0" stop-color="#bbb" stop-opacity=".1"/><stop offset="1" stop-opacity=".1"/></linearGradient><clipPath id="r"><rect width="${w}" height="20" rx="3" fill="#fff"/></clipPath><g clip-path="url(#r)"><rect width="${lw}" height="20" fill="#555"/><rect x="${lw}" width="${mw}" height="20" fill="${color}"/><rect width="${w}" height="20" fill="url(#s)"/></g><g fill="#fff" text-anchor="middle" font-family="Verdana,Geneva,DejaVu Sans,sans-serif" font-size="11"><text x="${lw / 2}" y="15" fill="#010101" fill-opacity=".3">${label}</text><text x="${lw / 2}" y="14">${label}</text><text x="${lw + mw / 2}" y="15" fill="#010101" fill-opacity=".3">${message}</text><text x="${lw + mw / 2}" y="14">${message}</text></g></svg>`;
}
