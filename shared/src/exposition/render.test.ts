import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { mergeSnapshots } from '../merge/merge-snapshots.ts';
import { renderOpenMetrics, renderPrometheus } from './render.ts';
import { busyView } from './test-views.ts';

function promtool(text: string): { status: number | null; output: string } {
  const run = spawnSync('/usr/bin/promtool', ['check', 'metrics'], {
    input: text,
    encoding: 'utf8',
    timeout: 10_000,
  });
  if (run.error) throw run.error;
  return { status: run.status, output: `${run.stdout}${run.stderr}`.trim() };
}

function samples(text: string, name: string): string[] {
  return text.split('\n').filter((l) => l.startsWith(`${name}{`) || l.startsWith(`${name} `));
}

describe('renderPrometheus', () => {
  it('passes promtool check metrics without a single complaint', () => {
    expect(promtool(renderPrometheus(busyView()))).toEqual({ status: 0, output: '' });
  });

  it('passes promtool for an empty cluster too', () => {
    const empty = mergeSnapshots([], 1_700_000_000_000, { cluster: 'c', intervalMs: 5000 });
    expect(promtool(renderPrometheus(empty))).toEqual({ status: 0, output: '' });
  });

  it('is the kind of input promtool rejects when a rule is broken (the check can fail)', () => {
    const broken = renderPrometheus(busyView()).replace('telltale_connects_total', 'telltale_connects');
    expect(promtool(broken).status).not.toBe(0);
  });

  it('escapes backslash, quote and newline in label values', () => {
    const text = renderPrometheus(busyView());
    expect(text).toContain(
      'telltale_events_received_total{node="node-a",type="say \\"hi\\"\\\\n\\nnext line \\\\ {brace} ünï"} 900',
    );
    expect(text).toContain('version="v\\"2\\""');
    for (const line of text.split('\n')) expect(line).not.toMatch(/[\r]/);
  });

  it('keeps counters per node with a node label, with `other` making each node add up', () => {
    const text = renderPrometheus(busyView());
    expect(samples(text, 'telltale_connects_total')).toEqual([
      'telltale_connects_total{node="node-a"} 5',
      'telltale_connects_total{node="node-b"} 5',
    ]);
    expect(text).toContain('telltale_events_received_total{node="node-a",type="other"} 100');
    expect(text).toContain('telltale_errors_total{node="node-a"} 3');
    expect(text).not.toContain('node="node-lost",type');
  });

  it('exposes gauges per node and as cluster totals', () => {
    const text = renderPrometheus(busyView());
    expect(text).toContain('telltale_connections{namespace="/portal"} 11');
    expect(text).toContain('telltale_node_connections{node="node-b"} 9');
    expect(text).toContain('telltale_nodes{state="lost"} 1');
    expect(text).toContain('telltale_nodes{state="invalid"} 1');
    expect(text).toContain('telltale_redis_up 0');
    expect(text).toContain('telltale_node_event_loop_delay_p99_seconds{node="node-b"} 0.04');
    expect(text).toContain('telltale_uptime_seconds 3600');
    expect(text).toContain('# TYPE telltale_node_info gauge');
  });

  it('renders a cumulative latency histogram per node in seconds, ending in +Inf, with _sum and _count', () => {
    const view = busyView();
    const text = renderPrometheus(view);
    const buckets = samples(text, 'telltale_event_handler_duration_seconds_bucket');
    // Two nodes × (67 bounds + `+Inf`).
    expect(buckets).toHaveLength(136);
    const nodeA = buckets.filter((l) => l.includes('node="node-a"'));
    const values = nodeA.map((l) => Number(l.split(' ').at(-1)));
    for (let i = 1; i < values.length; i++) expect(values[i]!).toBeGreaterThanOrEqual(values[i - 1]!);
    expect(nodeA.at(-1)).toBe('telltale_event_handler_duration_seconds_bucket{node="node-a",le="+Inf"} 4000');
    expect(samples(text, 'telltale_event_handler_duration_seconds_count')).toEqual([
      'telltale_event_handler_duration_seconds_count{node="node-a"} 4000',
      'telltale_event_handler_duration_seconds_count{node="node-b"} 500',
    ]);
    const sums = samples(text, 'telltale_event_handler_duration_seconds_sum').map((l) =>
      Number(l.split(' ')[1]),
    );
    // In seconds: the view's sketch holds 89 402 ms of handler time, 15.03 s on node-a and 74.37 s on node-b.
    expect(sums[0]).toBeCloseTo(15.0345, 4);
    expect(sums[1]).toBeCloseTo(74.368, 3);
    const under10ms = Number(nodeA.find((l) => l.includes('le="0.01"'))!.split(' ')[1]);
    expect(under10ms).toBeGreaterThan(3700);
    expect(under10ms).toBeLessThan(3950);
  });

  it('leaves _created out: the 0.0.4 format has no such sample', () => {
    expect(renderPrometheus(busyView())).not.toContain('_created');
  });

  it('takes the histogram bounds it is given', () => {
    const text = renderPrometheus(busyView(), { latencyBuckets: [0.01, 0.1, 1] });
    expect(
      samples(text, 'telltale_event_handler_duration_seconds_bucket').filter((l) => l.includes('node-b')),
    ).toEqual([
      expect.stringMatching(
        /^telltale_event_handler_duration_seconds_bucket\{node="node-b",le="0.01"\} \d+$/,
      ),
      expect.stringMatching(/le="0.1"\} \d+$/),
      expect.stringMatching(/le="1"\} \d+$/),
      'telltale_event_handler_duration_seconds_bucket{node="node-b",le="+Inf"} 500',
    ]);
  });

  it('keeps node state and mode out of node_info, as one-hot gauges that do not churn', () => {
    const text = renderPrometheus(busyView());
    expect(samples(text, 'telltale_node_info')).toContain(
      'telltale_node_info{node="node-a",version="0.1.0"} 1',
    );
    expect(samples(text, 'telltale_node_state').filter((l) => l.includes('node-lost'))).toEqual([
      'telltale_node_state{node="node-lost",state="live"} 0',
      'telltale_node_state{node="node-lost",state="stale"} 0',
      'telltale_node_state{node="node-lost",state="lost"} 1',
      'telltale_node_state{node="node-lost",state="invalid"} 0',
    ]);
    expect(text).toContain('telltale_node_mode{node="node-a",mode="running"} 1');
    expect(text).toContain('telltale_node_mode{node="node-a",mode="draining"} 0');
  });

  it("names a node's own series telltale_local_*, so they never sum with the edge's", () => {
    const text = renderPrometheus(busyView(), { scope: 'node' });
    expect(promtool(text)).toEqual({ status: 0, output: '' });
    const names = new Set(text.split('\n').flatMap((l) => (/^[a-z]/.test(l) ? [l.split(/[{ ]/)[0]!] : [])));
    expect([...names].filter((n) => !n.startsWith('telltale_local_'))).toEqual([]);
    expect(names).toContain('telltale_local_connections');
    expect(names).toContain('telltale_local_events_received_total');
  });
});

interface Family {
  type: string;
  unit?: string;
  help?: string;
  samples: { name: string; labels: [string, string][]; value: number }[];
}

const NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\\n]|\\[\\"n])*)"(,|$)/y;
const SUFFIXES: Record<string, string[]> = {
  counter: ['_total', '_created'],
  gauge: [''],
  histogram: ['_bucket', '_sum', '_count', '_created'],
  info: ['_info'],
};

/** A strict reader of the OpenMetrics 1.0 text rules we rely on (promtool 2.42 only reads 0.0.4). */
function parseOpenMetrics(text: string): Map<string, Family> {
  if (!text.endsWith('# EOF\n')) throw new Error('must end with "# EOF\\n"');
  const lines = text.slice(0, -'# EOF\n'.length).split('\n');
  lines.pop();
  const families = new Map<string, Family>();
  let current: [string, Family] | null = null;
  for (const line of lines) {
    if (line === '' || line === '# EOF') throw new Error('blank line or early EOF');
    const meta = /^# (TYPE|UNIT|HELP) (\S+) (.*)$/.exec(line);
    if (meta) {
      const [, kind, name, rest] = meta as unknown as [string, string, string, string];
      if (!NAME.test(name)) throw new Error(`bad family name ${name}`);
      if (kind === 'TYPE') {
        if (families.has(name)) throw new Error(`family ${name} declared twice`);
        if (!SUFFIXES[rest]) throw new Error(`unknown type ${rest}`);
        if (rest === 'counter' && name.endsWith('_total'))
          throw new Error(`counter family ${name} ends in _total`);
        current = [name, { type: rest, samples: [] }];
        families.set(name, current[1]);
      } else {
        if (!current || current[0] !== name) throw new Error(`${kind} for ${name} outside its family`);
        if (kind === 'UNIT') {
          if (!name.endsWith(`_${rest}`))
            throw new Error(`family ${name} does not end with its unit ${rest}`);
          current[1].unit = rest;
        } else current[1].help = rest;
      }
      continue;
    }
    const sample = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!sample || !current) throw new Error(`unparseable line: ${line}`);
    const [, name, labelText = '', valueText] = sample as unknown as [
      string,
      string,
      string | undefined,
      string,
    ];
    const [familyName, family] = current;
    const suffix = name.slice(familyName.length);
    if (!name.startsWith(familyName) || !SUFFIXES[family.type]!.includes(suffix)) {
      throw new Error(`sample ${name} does not belong to ${family.type} ${familyName}`);
    }
    const labels: [string, string][] = [];
    LABEL.lastIndex = 0;
    while (LABEL.lastIndex < labelText.length) {
      const m = LABEL.exec(labelText);
      if (!m) throw new Error(`bad labels in: ${line}`);
      labels.push([m[1]!, m[2]!.replace(/\\(.)/g, (_, c: string) => (c === 'n' ? '\n' : c))]);
    }
    const value = valueText === '+Inf' ? Number.POSITIVE_INFINITY : Number(valueText);
    if (Number.isNaN(value) && valueText !== 'NaN') throw new Error(`bad value in: ${line}`);
    family.samples.push({ name, labels, value });
  }
  return families;
}

describe('renderOpenMetrics', () => {
  const families = parseOpenMetrics(renderOpenMetrics(busyView()));

  it('follows the OpenMetrics text rules: # EOF, TYPE before samples, units as suffixes', () => {
    expect(families.size).toBeGreaterThan(20);
    expect(families.get('telltale_memory_rss_bytes')?.unit).toBe('bytes');
    expect(families.get('telltale_event_handler_duration_seconds')?.unit).toBe('seconds');
  });

  it('declares counters without _total and writes their samples with it', () => {
    const connects = families.get('telltale_connects')!;
    expect(connects.type).toBe('counter');
    expect(connects.samples.map((s) => s.name)).toEqual([
      'telltale_connects_total',
      'telltale_connects_created',
      'telltale_connects_total',
      'telltale_connects_created',
    ]);
    expect(families.has('telltale_connects_total')).toBe(false);
    expect(families.get('telltale_node')!.samples[0]!.name).toBe('telltale_node_info');
  });

  it("gives every counter and histogram series a _created at its node's start", () => {
    const created = (family: string) =>
      families
        .get(family)!
        .samples.filter((s) => s.name.endsWith('_created'))
        .map((s) => [Object.fromEntries(s.labels).node, s.value]);
    expect(created('telltale_connects')).toEqual([
      ['node-a', 1_700_000_000],
      ['node-b', 1_700_000_000],
    ]);
    expect(created('telltale_event_handler_duration_seconds')).toEqual([
      ['node-a', 1_700_000_000],
      ['node-b', 1_700_000_000],
    ]);
    const received = families.get('telltale_events_received')!.samples;
    expect(received.filter((s) => s.name.endsWith('_created'))).toHaveLength(
      received.filter((s) => s.name.endsWith('_total')).length,
    );
  });

  it('round-trips nasty label values exactly', () => {
    const received = families.get('telltale_events_received')!;
    const types = received.samples.map((s) => Object.fromEntries(s.labels).type);
    expect(types).toContain('say "hi"\\n\nnext line \\ {brace} ünï');
  });

  it('has a histogram whose +Inf bucket equals its count', () => {
    const h = families.get('telltale_event_handler_duration_seconds')!;
    const infs = h.samples.filter((s) => s.labels.some(([k, v]) => k === 'le' && v === '+Inf'));
    const counts = h.samples.filter((s) => s.name.endsWith('_count'));
    expect(infs.map((s) => s.value)).toEqual(counts.map((s) => s.value));
    expect(counts.map((s) => s.value)).toEqual([4000, 500]);
  });

  it('the reader rejects what OpenMetrics forbids (the check can fail)', () => {
    const text = renderOpenMetrics(busyView());
    expect(() => parseOpenMetrics(text.replace('# EOF\n', ''))).toThrow(/EOF/);
    expect(() =>
      parseOpenMetrics(
        text.replace('# TYPE telltale_connects counter', '# TYPE telltale_connects_total counter'),
      ),
    ).toThrow();
    expect(() => parseOpenMetrics(text.replace('type="heartbeat"', 'type="heart"beat"'))).toThrow(
      /bad labels/,
    );
  });
});
