import { describe, expect, it } from 'vitest';
import { negotiateMetricsFormat } from './negotiate.ts';

const PROMETHEUS_2 =
  'application/openmetrics-text;version=1.0.0;q=0.5,application/openmetrics-text;version=0.0.1;q=0.4,text/plain;version=0.0.4;q=0.3,*/*;q=0.2';
const PROMETHEUS_3 =
  'application/openmetrics-text;version=1.0.0;q=0.5,application/openmetrics-text;version=0.0.1;q=0.4,text/plain;version=1.0.0;escaping=allow-utf-8;q=0.3,text/plain;version=0.0.4;q=0.2,*/*;q=0.1';
const BROWSER = 'text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,*/*;q=0.8';

describe('negotiateMetricsFormat', () => {
  it.each([
    ['Prometheus 2 default scrape', PROMETHEUS_2, 'openmetrics'],
    ['Prometheus 3 default scrape', PROMETHEUS_3, 'openmetrics'],
    ['Prometheus limited to 0.0.4', 'text/plain;version=0.0.4;q=0.9,*/*;q=0.1', 'prometheus'],
    ['OpenMetrics refused', 'application/openmetrics-text;q=0,text/plain;q=0.5', 'prometheus'],
    ['curl default', '*/*', 'json'],
    ['no Accept header', null, 'json'],
    ['a browser', BROWSER, 'json'],
    ['explicit JSON', 'application/json', 'json'],
    ['plain text', 'text/plain', 'prometheus'],
    ['text wildcard', 'text/*', 'prometheus'],
    ['specific beats wildcard at equal q', '*/*, text/plain', 'prometheus'],
    ['first wins at equal q and specificity', 'application/json, text/plain', 'json'],
    ['unacceptable falls back to json', 'image/png', 'json'],
    ['garbage header', ';;,,/', 'json'],
  ])('%s', (_name, accept, expected) => {
    expect(negotiateMetricsFormat(accept, null)).toBe(expected);
  });

  it('lets ?format= win over Accept', () => {
    expect(negotiateMetricsFormat(PROMETHEUS_2, 'json')).toBe('json');
    expect(negotiateMetricsFormat('*/*', 'prometheus')).toBe('prometheus');
    expect(negotiateMetricsFormat(null, 'OpenMetrics')).toBe('openmetrics');
  });

  it('ignores an unknown ?format= value and uses Accept', () => {
    expect(negotiateMetricsFormat(PROMETHEUS_2, 'xml')).toBe('openmetrics');
  });
});
