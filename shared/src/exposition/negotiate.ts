export const METRICS_FORMATS = ['json', 'prometheus', 'openmetrics'] as const;
export type MetricsFormat = (typeof METRICS_FORMATS)[number];

interface MediaRange {
  type: string;
  subtype: string;
  q: number;
  position: number;
}

/**
 * Picks the /metrics body format. `?format=` wins. Otherwise the Accept header decides by q-value:
 * Prometheus sends `application/openmetrics-text;…;q=0.5,…,text/plain;version=0.0.4;q=0.3,*\/*;q=0.2`
 * and gets OpenMetrics; a scraper limited to `text/plain` gets Prometheus text. Browsers and curl
 * (`*\/*`, or no header) get JSON — the readable body and the one the dashboard uses. Anything
 * unacceptable also falls back to JSON rather than a 406. An unknown `format` value is ignored here;
 * routes should validate it against METRICS_FORMATS first to answer 400.
 */
export function negotiateMetricsFormat(accept: string | null, formatParam: string | null): MetricsFormat {
  const param = formatParam?.trim().toLowerCase();
  if (param && (METRICS_FORMATS as readonly string[]).includes(param)) return param as MetricsFormat;

  let best: { format: MetricsFormat; q: number; specificity: number; position: number } | null = null;
  for (const range of parseAccept(accept ?? '')) {
    const match = formatFor(range);
    if (!match || range.q <= 0) continue;
    const better =
      !best ||
      range.q > best.q ||
      (range.q === best.q && match.specificity > best.specificity) ||
      (range.q === best.q && match.specificity === best.specificity && range.position < best.position);
    if (better)
      best = { format: match.format, q: range.q, specificity: match.specificity, position: range.position };
  }
  return best?.format ?? 'json';
}

function formatFor(range: MediaRange): { format: MetricsFormat; specificity: number } | null {
  const { type, subtype } = range;
  if (type === 'application' && subtype === 'openmetrics-text')
    return { format: 'openmetrics', specificity: 2 };
  if (type === 'text' && subtype === 'plain') return { format: 'prometheus', specificity: 2 };
  if (type === 'application' && subtype === 'json') return { format: 'json', specificity: 2 };
  if (type === 'text' && subtype === '*') return { format: 'prometheus', specificity: 1 };
  if (type === 'application' && subtype === '*') return { format: 'json', specificity: 1 };
  if (type === '*' && subtype === '*') return { format: 'json', specificity: 0 };
  return null;
}

function parseAccept(header: string): MediaRange[] {
  const ranges: MediaRange[] = [];
  header.split(',').forEach((part, position) => {
    const [mediaType = '', ...params] = part.split(';').map((s) => s.trim());
    const [type, subtype] = mediaType.toLowerCase().split('/');
    if (!type || !subtype) return;
    let q = 1;
    for (const param of params) {
      const [key, value] = param.split('=').map((s) => s.trim());
      if (key?.toLowerCase() === 'q' && value !== undefined) {
        const parsed = Number(value);
        q = Number.isFinite(parsed) ? Math.min(Math.max(parsed, 0), 1) : 0;
      }
    }
    ranges.push({ type, subtype, q, position });
  });
  return ranges;
}
