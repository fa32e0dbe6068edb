import { escapeXml as e, formatDuration, formatTime, formatUptime } from './format.ts';
import type { Incident } from './incidents.ts';
import type { DayBar, StatusReport } from './report.ts';
import { UPTIME_WINDOWS } from './rollup.ts';

export interface PageSettings {
  title: string;
  logoUrl?: string | undefined;
  links: { label: string; url: string }[];
}

const WORDS: Record<StatusReport['status'], string> = {
  pass: 'Operational',
  warn: 'Degraded',
  fail: 'Outage',
  maintenance: 'Maintenance',
};

function barClass(bar: DayBar): string {
  if (bar.uptime === null) return bar.maintenanceMs > 0 ? 'bar maint' : 'bar none';
  if (bar.uptime >= 1) return 'bar ok';
  return bar.uptime >= 0.99 ? 'bar minor' : 'bar major';
}

function barTitle(bar: DayBar): string {
  const day = new Date(bar.at).toISOString().slice(0, 10);
  if (bar.observedMs === 0) return `${day}: no data`;
  const parts = [`${day}: ${formatUptime(bar.uptime)} up`];
  if (bar.failMs > 0) parts.push(`${formatDuration(bar.failMs)} down`);
  if (bar.maintenanceMs > 0) parts.push(`${formatDuration(bar.maintenanceMs)} maintenance`);
  if (bar.incidents.length > 0) parts.push(`incidents: ${bar.incidents.join(', ')}`);
  return parts.join('; ');
}

function incident(i: Incident): string {
  const entries = [...i.timeline]
    .reverse()
    .map(
      (t) =>
        `<li><time datetime="${new Date(t.at).toISOString()}">${e(formatTime(t.at))}</time> <span class="kind">${e(t.kind)}</span> ${e(t.text)}</li>`,
    )
    .join('');
  const when = i.resolvedAt
    ? `${e(formatTime(i.startedAt))} – ${e(formatTime(i.resolvedAt))} (${e(formatDuration(i.resolvedAt - i.startedAt))})`
    : `since ${e(formatTime(i.startedAt))}`;
  return `<article class="incident ${i.resolvedAt ? 'resolved' : 'open'}" id="incident-${e(i.id)}"><h3>${e(i.title)}</h3><p class="when">${when}${i.resolvedAt ? ' · resolved' : ''}</p><ol class="timeline">${entries}</ol></article>`;
}

/** Server-rendered: everything essential is in this HTML; the script only refreshes it. */
export function renderStatusPage(report: StatusReport, settings: PageSettings): string {
  const logo = settings.logoUrl
    ? `<img class="logo" src="${e(settings.logoUrl)}" alt="" width="32" height="32">`
    : '';
  const links = settings.links.length
    ? `<nav>${settings.links.map((l) => `<a href="${e(l.url)}" rel="noopener">${e(l.label)}</a>`).join('')}</nav>`
    : '';
  const { active, upcoming } = report.maintenance;
  const notices = [
    active
      ? `<p class="notice maint" id="maintenance-active"><strong>Maintenance in progress</strong> until ${e(formatTime(active.endsAt))}: ${e(active.message)}</p>`
      : '',
    ...upcoming.map(
      (o) =>
        `<p class="notice planned" data-window="${e(o.windowId)}"><strong>Scheduled maintenance</strong> ${e(formatTime(o.startsAt))} – ${e(formatTime(o.endsAt))}: ${e(o.message)}</p>`,
    ),
  ].join('');
  const components = report.components
    .map(
      (c) =>
        `<li class="component"><span class="dot ${c.status}"></span><span class="name">${e(c.name)}</span><span class="detail">${e(c.detail)}</span><span class="state">${WORDS[c.status]}</span></li>`,
    )
    .join('');
  const bars = report.days
    .map(
      (b) =>
        `<span class="${barClass(b)}" title="${e(barTitle(b))}" data-day="${new Date(b.at).toISOString().slice(0, 10)}"></span>`,
    )
    .join('');
  const uptime = UPTIME_WINDOWS.map(
    (w) =>
      `<div class="uptime" data-window="${w}"><dt>${w}</dt><dd>${formatUptime(report.uptime[w])}</dd></div>`,
  ).join('');
  const active_ = report.activeIncidents.map(incident).join('');
  const resolved = report.recentIncidents.length
    ? report.recentIncidents.map(incident).join('')
    : '<p class="empty">No incidents recorded.</p>';

  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${e(settings.title)}</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="/status/status.css">
<link rel="alternate" type="application/atom+xml" title="${e(settings.title)} incidents" href="/status/feed.atom">
<script src="/status/status.js" defer></script>
</head>
<body>
<header>${logo}<h1>${e(settings.title)}</h1>${links}</header>
<main id="status" data-status="${report.status}" data-generated-at="${report.generatedAt}">
<p class="overall ${report.status}" id="overall"><span class="dot ${report.status}"></span>${e(report.summary)}</p>
${notices}
${active_ ? `<section id="active-incidents"><h2>Active incidents</h2>${active_}</section>` : ''}
<section><h2>Components</h2><ul class="components">${components}</ul></section>
<section><h2>Uptime</h2><dl class="uptimes">${uptime}</dl>
<div class="bars" role="img" aria-label="Daily uptime over the last 90 days">${bars}</div>
<p class="axis"><span>90 days ago</span><span>today</span></p>
<p class="definition">${e(report.uptimeDefinition)}</p></section>
<section id="resolved-incidents"><h2>Past incidents</h2>${resolved}</section>
<footer><p>Updated ${e(formatTime(report.generatedAt))} · <a href="/status.json">status.json</a> · <a href="/status/feed.atom">Atom feed</a></p></footer>
</main>
</body>
</html>
`;
}

export const STATUS_CSS = `:root{color-scheme:light dark;--ok:#2e9e4f;--warn:#d29b00;--fail:#d6453d;--maint:#3b7dd8;--none:#c8ccd0;--fg:#1d2125;--muted:#5d6670;--bg:#fff;--card:#f5f6f8}
@media (prefers-color-scheme:dark){:root{--fg:#e6e8ea;--muted:#9aa4ae;--bg:#15181b;--card:#1f2327;--none:#3a4046}}
*{box-sizing:border-box}body{margin:0;font:16px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:var(--fg);background:var(--bg)}
header,main{max-width:860px;margin:0 auto;padding:0 16px}header{display:flex;flex-wrap:wrap;align-items:center;gap:12px;padding-top:20px}
h1{font-size:1.5rem;margin:0;flex:1 1 auto}h2{font-size:1.1rem;margin:28px 0 10px}h3{font-size:1rem;margin:0 0 4px}
nav{display:flex;gap:14px;flex-wrap:wrap}a{color:var(--maint)}.logo{border-radius:6px}
.overall{font-size:1.15rem;font-weight:600;padding:14px 16px;border-radius:8px;background:var(--card);border-left:6px solid var(--ok);display:flex;gap:10px;align-items:center}
.overall.warn{border-color:var(--warn)}.overall.fail{border-color:var(--fail)}.overall.maintenance{border-color:var(--maint)}
.dot{display:inline-block;width:12px;height:12px;border-radius:50%;background:var(--ok);flex:none}.dot.warn{background:var(--warn)}.dot.fail{background:var(--fail)}.dot.maintenance{background:var(--maint)}
.notice{padding:10px 14px;border-radius:8px;background:var(--card);border-left:6px solid var(--maint)}
.components{list-style:none;margin:0;padding:0;border-radius:8px;background:var(--card)}
.component{display:grid;grid-template-columns:auto 1fr auto;gap:4px 10px;align-items:center;padding:12px 14px;border-bottom:1px solid var(--bg)}
.component .detail{grid-column:2/4;grid-row:2;color:var(--muted);font-size:.9rem}.component .state{font-weight:600}
.uptimes{display:grid;grid-template-columns:repeat(4,1fr);gap:8px;margin:0 0 12px}.uptime{background:var(--card);border-radius:8px;padding:8px 10px}
.uptime dt{color:var(--muted);font-size:.85rem}.uptime dd{margin:0;font-size:1.1rem;font-weight:600;font-variant-numeric:tabular-nums}
.bars{display:grid;grid-template-columns:repeat(90,1fr);gap:2px;height:34px}.bar{border-radius:2px;background:var(--none)}
.bar.ok{background:var(--ok)}.bar.minor{background:var(--warn)}.bar.major{background:var(--fail)}.bar.maint{background:var(--maint)}
.axis{display:flex;justify-content:space-between;color:var(--muted);font-size:.8rem;margin:4px 0}
.definition{color:var(--muted);font-size:.85rem}.incident{background:var(--card);border-radius:8px;padding:12px 14px;margin-bottom:10px}
.incident.open{border-left:6px solid var(--fail)}.when{color:var(--muted);font-size:.85rem;margin:0 0 6px}
.timeline{margin:0;padding-left:18px;font-size:.92rem}.timeline time{color:var(--muted);font-variant-numeric:tabular-nums}.kind{font-weight:600}
.empty{color:var(--muted)}footer{color:var(--muted);font-size:.85rem;margin:28px 0}
@media (max-width:520px){.uptimes{grid-template-columns:repeat(2,1fr)}.bars{gap:1px;height:28px}h1{font-size:1.25rem}}
`;

/** Refreshes the server-rendered content every 30 s while the tab is visible; without it the page is complete. */
export const STATUS_JS = `(function(){var ms=30000;function refresh(){if(document.hidden)return;fetch(location.pathname,{headers:{accept:'text/html'}}).then(function(r){return r.ok?r.text():null}).then(function(html){if(!html)return;var next=new DOMParser().parseFromString(html,'text/html').getElementById('status');var cur=document.getElementById('status');if(next&&cur)cur.replaceWith(next)}).catch(function(){})}setInterval(refresh,ms);document.addEventListener('visibilitychange',refresh)})();
`;
