import { describe, expect, it } from 'vitest';
import { burnRateLabel, formatBudget, formatBurnRate, formatPercent, formatWindow } from './slo-format.ts';

describe('SLO display', () => {
  it('says windows in their largest whole unit', () => {
    expect(formatWindow(30 * 86_400_000)).toBe('30 d');
    expect(formatWindow(6 * 3_600_000)).toBe('6 h');
    expect(formatWindow(90 * 60_000)).toBe('90 min');
    expect(formatWindow(1500)).toBe('1500 ms');
  });

  it('rounds percentages to 3 decimals without trailing zeros', () => {
    expect(formatPercent(0.999)).toBe('99.9 %');
    expect(formatPercent(0.99951234)).toBe('99.951 %');
    expect(formatPercent(1)).toBe('100 %');
    expect(formatPercent(0)).toBe('0 %');
    expect(formatPercent(null)).toBe('–');
  });

  it('says an overspent budget is overspent and a missing one has no tick', () => {
    expect(formatBudget(0.625)).toBe('62.5 % left');
    expect(formatBudget(-999)).toBe('-99900 % (overspent)');
    expect(formatBudget(null)).toBe('no tick yet');
  });

  it('shows burn rates as multiples, and windows as the last span they cover', () => {
    expect(formatBurnRate(14.4)).toBe('14.4×');
    expect(formatBurnRate(1000)).toBe('1000×');
    expect(formatBurnRate(0)).toBe('0×');
    expect(formatBurnRate(null)).toBe('no tick');
    expect(burnRateLabel('5m')).toBe('last 5 min');
    expect(burnRateLabel('3d')).toBe('last 3 d');
  });
});
