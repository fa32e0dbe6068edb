import uPlot from 'uplot';
import { h, replaceChildren } from './dom.ts';
import { formatCount, formatMs, formatRate } from './format.ts';
import { NODE_RSS_PREFIX, nodeMemorySeries, type SeriesFrame } from './series.ts';

interface Line {
  key: string;
  label: string;
  color: string;
  dash?: number[];
}

interface ChartSpec {
  id: string;
  title: string;
  value: (v: number) => string;
  /** Charted in this unit (e.g. MiB) so the axis splits on round numbers. */
  divisor?: number;
  /** Fixed lines, or per-node memory lines found in the frame. */
  lines: Line[] | ((frame: SeriesFrame) => Line[]);
}

const PALETTE = ['#60a5fa', '#34d399', '#fbbf24', '#f87171', '#c084fc', '#22d3ee', '#f472b6', '#a3e635'];

const SPECS: ChartSpec[] = [
  {
    id: 'connections',
    title: 'Connections',
    value: (v) => formatCount(Math.round(v)),
    lines: [
      { key: 'connections.total', label: 'total', color: PALETTE[0]! },
      { key: 'connections.hub', label: '/hub', color: PALETTE[1]! },
      { key: 'connections.portal', label: '/portal', color: PALETTE[2]! },
    ],
  },
  {
    id: 'events',
    title: 'Events per second (each point: its own interval)',
    value: (v) => formatRate(v),
    lines: [
      { key: 'events.throughput.interval.inbound', label: 'in', color: PALETTE[0]! },
      { key: 'events.throughput.interval.outbound', label: 'out', color: PALETTE[4]! },
    ],
  },
  {
    id: 'latency',
    title: 'Handler latency',
    value: (v) => formatMs(v),
    lines: [
      { key: 'events.latency.p50', label: 'p50', color: PALETTE[1]! },
      { key: 'events.latency.p95', label: 'p95', color: PALETTE[2]! },
      { key: 'events.latency.p99', label: 'p99', color: PALETTE[3]! },
    ],
  },
  {
    id: 'churn',
    title: 'Connects / disconnects per minute (each point: its own interval)',
    value: (v) => formatRate(v, '/min'),
    lines: [
      { key: 'connections.rate.interval', label: 'connects', color: PALETTE[1]! },
      { key: 'disconnections.rate.interval', label: 'disconnects', color: PALETTE[3]! },
    ],
  },
  {
    id: 'presence',
    title: 'Presence (distinct users)',
    value: (v) => formatCount(Math.round(v)),
    lines: [
      { key: 'presence.online', label: 'online', color: PALETTE[1]! },
      { key: 'presence.away', label: 'away', color: PALETTE[2]! },
      { key: 'presence.stale_clients', label: 'stale clients', color: PALETTE[3]! },
    ],
  },
  {
    id: 'memory',
    title: 'Memory (RSS)',
    value: (v) => `${formatCount(Math.round(v))} MiB`,
    divisor: 1024 * 1024,
    lines: (frame) => [
      { key: 'server.memory.rss', label: 'cluster', color: '#94a3b8', dash: [6, 4] },
      ...nodeMemorySeries(frame).map((key, i) => ({
        key,
        label: key.slice(NODE_RSS_PREFIX.length),
        color: PALETTE[i % PALETTE.length]!,
      })),
    ],
  },
];

interface Mounted {
  spec: ChartSpec;
  host: HTMLElement;
  plot: uPlot | null;
  signature: string;
}

const HEIGHT = 180;

/** The trend charts: one uPlot per spec, redrawn from a shared frame of columns. */
export class TrendCharts {
  private readonly mounted: Mounted[];
  private readonly resize = new ResizeObserver(() => this.fit());

  constructor(container: HTMLElement) {
    this.mounted = SPECS.map((spec) => {
      const host = h('div', { class: 'chart-host', 'data-chart': spec.id, 'data-points': 0 });
      container.append(h('figure', { class: 'chart' }, h('figcaption', {}, spec.title), host));
      this.resize.observe(host);
      return { spec, host, plot: null, signature: '' };
    });
  }

  render(frame: SeriesFrame, range: { fromMs: number; toMs: number }): void {
    for (const chart of this.mounted) {
      const lines = typeof chart.spec.lines === 'function' ? chart.spec.lines(frame) : chart.spec.lines;
      const data: uPlot.AlignedData = [
        frame.times,
        ...lines.map((line) =>
          scaled(frame.columns.get(line.key) ?? frame.times.map(() => null), chart.spec.divisor),
        ),
      ];
      const signature = lines.map((line) => line.key).join('|');
      if (!chart.plot || chart.signature !== signature) {
        chart.plot?.destroy();
        replaceChildren(chart.host);
        chart.plot = new uPlot(options(chart.spec, lines, chart.host.clientWidth), data, chart.host);
        chart.signature = signature;
      } else {
        chart.plot.setData(data, false);
      }
      // Until the range fills up, zoom to the data there is rather than draw a sliver at the right edge.
      const first = frame.times[0];
      const min = first === undefined ? range.fromMs / 1000 : Math.max(range.fromMs / 1000, first);
      chart.plot.setScale('x', { min: Math.min(min, range.toMs / 1000 - 60), max: range.toMs / 1000 });
      // The legend shows the latest values unless the pointer is reading a point.
      if (frame.times.length > 0 && !chart.host.matches(':hover'))
        chart.plot.setLegend({ idx: frame.times.length - 1 });
      chart.host.dataset.points = String(frame.times.length);
    }
  }

  private fit(): void {
    for (const chart of this.mounted) {
      const width = chart.host.clientWidth;
      if (chart.plot && width > 0 && Math.abs(chart.plot.width - width) > 1) {
        chart.plot.setSize({ width, height: HEIGHT });
      }
    }
  }
}

function scaled(column: (number | null)[], divisor: number | undefined): (number | null)[] {
  return divisor ? column.map((v) => (v === null ? null : v / divisor)) : column;
}

/** Axis time labels: seconds only matter on short spans. */
function timeLabels(u: uPlot, splits: number[]): string[] {
  const span = (u.scales.x?.max ?? 0) - (u.scales.x?.min ?? 0);
  return splits.map((s) => {
    const d = new Date(s * 1000);
    const hm = `${String(d.getHours()).padStart(2, '0')}:${String(d.getMinutes()).padStart(2, '0')}`;
    return span <= 600 ? `${hm}:${String(d.getSeconds()).padStart(2, '0')}` : hm;
  });
}

function options(spec: ChartSpec, lines: Line[], width: number): uPlot.Options {
  const axis = {
    stroke: '#94a3b8',
    grid: { stroke: 'rgba(148, 163, 184, 0.12)', width: 1 },
    ticks: { stroke: 'rgba(148, 163, 184, 0.25)', width: 1 },
    font: '11px system-ui, -apple-system, "Segoe UI", sans-serif',
  };
  return {
    width: Math.max(width, 200),
    height: HEIGHT,
    cursor: { drag: { x: false, y: false } },
    legend: { live: true },
    scales: { x: { time: true }, y: { range: (_u, _min, max) => [0, max > 0 ? max * 1.1 : 1] } },
    axes: [
      { ...axis, values: timeLabels },
      { ...axis, size: 72, values: (_u, splits) => splits.map((v) => spec.value(v)) },
    ],
    series: [
      {},
      ...lines.map((line) => ({
        label: line.label,
        stroke: line.color,
        width: 1.75,
        spanGaps: false,
        ...(line.dash ? { dash: line.dash } : {}),
        value: (_u: uPlot, v: number | null) => (v === null ? '–' : spec.value(v)),
      })),
    ],
  };
}
