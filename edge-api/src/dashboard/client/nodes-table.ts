import type { NodeSummary } from '@telltale/shared';
import { badge, fillTable, h } from './dom.ts';
import { formatAge, formatBytes, formatCount, formatDuration, formatMs } from './format.ts';

const STATE_TONE = { live: 'pass', stale: 'warn', lost: 'fail', invalid: 'fail' } as const;
const STATE_ORDER = { lost: 0, invalid: 1, stale: 2, live: 3 } as const;

/** Every node with its state and infrastructure; troubled nodes first. */
export function renderNodes(body: HTMLTableSectionElement, nodes: NodeSummary[], now: number): void {
  const sorted = [...nodes].sort(
    (a, b) => STATE_ORDER[a.state] - STATE_ORDER[b.state] || a.id.localeCompare(b.id),
  );
  const rows = sorted.map((node) => {
    const redis = node.redis
      ? badge(
          node.redis.connected ? `up ${formatMs(node.redis.latencyMs)}` : 'down',
          node.redis.connected ? 'pass' : 'fail',
        )
      : '–';
    const state = h('td', {}, badge(node.state, STATE_TONE[node.state]));
    if (node.mode && node.mode !== 'running') state.append(' ', badge(node.mode, 'info'));
    return h(
      'tr',
      { 'data-node': node.id, 'data-state': node.state, class: `row-${node.state}` },
      h('td', { class: 'mono', title: node.error ?? node.hostname ?? node.id }, node.id),
      state,
      h('td', { class: 'num' }, formatCount(node.connections)),
      h('td', { class: 'num' }, formatDuration(node.uptimeSec)),
      h('td', { class: 'num' }, formatAge(node.lastFlushAt, now)),
      h('td', { class: 'num' }, formatBytes(node.memory?.rss)),
      h('td', { class: 'num' }, node.cpuPercent === null ? '–' : `${node.cpuPercent.toFixed(0)}%`),
      h('td', { class: 'num' }, formatMs(node.eventLoopP99Ms)),
      h('td', {}, redis),
      h('td', { class: 'mono muted' }, node.version ?? '–'),
    );
  });
  fillTable(body, 10, rows, 'No node has registered yet.');
}
