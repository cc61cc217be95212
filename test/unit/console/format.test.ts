import { describe, expect, it } from 'vitest';
import {
  formatCount,
  formatDate,
  formatDateTime,
  formatDay,
  formatPeriod,
  formatVnd,
  parseDay,
  parseList,
  parseMonth,
  periodOf,
  periodRange,
  shiftPeriod,
  spacedTicks,
  startOf,
  type Usage,
  usageSeries,
  usageTotals,
} from '../../../console/format.js';

describe('console formats', () => {
  it('writes VND the Vietnamese way: dots between thousands, the đồng sign after', () => {
    expect(formatVnd(1_101_650)).toMatch(/^1\.101\.650\s₫$/);
    expect(formatVnd(0)).toMatch(/^0\s₫$/);
    expect(formatVnd(-500)).toMatch(/^-500\s₫$/);
    expect(formatCount(1_234_567)).toBe('1.234.567');
  });

  it('writes dates dd/MM/yyyy and times in Asia/Ho_Chi_Minh, whatever the machine zone', () => {
    expect(formatDate('2026-11-30T16:59:59Z')).toBe('30/11/2026');
    expect(formatDate('2026-11-30T17:00:00Z')).toBe('01/12/2026');
    expect(formatDateTime('2026-11-30T16:59:59Z')).toBe('30/11/2026 23:59:59');
    expect(formatDateTime('2026-01-05T00:04:05Z')).toBe('05/01/2026 07:04:05');
    expect(formatDay('2026-03-09')).toBe('09/03/2026');
    expect(formatPeriod('2026-03')).toBe('03/2026');
  });

  it('cuts billing periods at midnight in Vietnam', () => {
    expect(periodOf('2026-11-30T16:59:59Z')).toBe('2026-11');
    expect(periodOf('2026-11-30T17:00:00Z')).toBe('2026-12');
    expect(startOf('2026-12')).toBe(Date.parse('2026-11-30T17:00:00Z') / 1000);
    expect(startOf('2026-12-02')).toBe(Date.parse('2026-12-01T17:00:00Z') / 1000);
    expect(shiftPeriod('2026-01', -1)).toBe('2025-12');
    expect(shiftPeriod('2026-12', 1)).toBe('2027-01');
    expect(shiftPeriod('2026-05', -17)).toBe('2024-12');
  });

  it('lists every day or month of a range, across month and year ends', () => {
    expect(periodRange('2026-12-30', '2027-01-02', 'day')).toEqual([
      '2026-12-30',
      '2026-12-31',
      '2027-01-01',
      '2027-01-02',
    ]);
    expect(periodRange('2026-02', '2026-02', 'day')).toHaveLength(28);
    expect(periodRange('2026-11', '2027-02', 'month')).toEqual(['2026-11', '2026-12', '2027-01', '2027-02']);
    expect(periodRange('2026-01-01', '2030-01-01', 'day', 10)).toHaveLength(10);
  });

  const usage: Usage = {
    granularity: 'day',
    from: '2026-11-01',
    to: '2026-11-04',
    items: [
      {
        agencyId: 'ag_b',
        period: '2026-11',
        day: '2026-11-02',
        calls: 3,
        operations: { 'citizen:read': { calls: 2 }, 'business:read': { calls: 1 } },
      },
      {
        agencyId: 'ag_a',
        period: '2026-11',
        day: '2026-11-04',
        calls: 5,
        operations: { 'citizen:read': { calls: 5 } },
      },
    ],
  };

  it('turns usage rows into one chart series per operation or agency, with zeros on idle days', () => {
    const byOperation = usageSeries(usage, 'operation');
    expect(byOperation.xKeys).toEqual(['2026-11-01', '2026-11-02', '2026-11-03', '2026-11-04']);
    expect(byOperation.x[0]).toBe(startOf('2026-11-01'));
    expect(byOperation.series).toEqual([
      { key: 'business:read', values: [0, 1, 0, 0] },
      { key: 'citizen:read', values: [0, 2, 0, 5] },
    ]);
    expect(usageSeries(usage, 'agency').series).toEqual([
      { key: 'ag_a', values: [0, 0, 0, 5] },
      { key: 'ag_b', values: [0, 3, 0, 0] },
    ]);
    expect(usageSeries({ ...usage, items: [] }, 'agency').series).toEqual([]);
  });

  it('sums usage per agency and operation over the range', () => {
    const twice = { ...usage, items: [...usage.items, ...usage.items] };
    expect(usageTotals(twice.items)).toEqual([
      { agencyId: 'ag_a', operation: 'citizen:read', calls: 10 },
      { agencyId: 'ag_b', operation: 'business:read', calls: 2 },
      { agencyId: 'ag_b', operation: 'citizen:read', calls: 4 },
    ]);
  });

  it('spaces axis ticks and splits lists of purposes', () => {
    expect(spacedTicks([1, 2, 3, 4, 5], 10)).toEqual([1, 2, 3, 4, 5]);
    expect(spacedTicks([1, 2, 3, 4, 5, 6, 7], 3)).toEqual([1, 4, 7]);
    expect(parseList(' 1.001, 1.002 ;2.005\n')).toEqual(['1.001', '1.002', '2.005']);
    expect(parseList('  ')).toEqual([]);
  });

  it('reads days typed as dd/mm/yyyy and months as mm/yyyy, refusing dates that do not exist', () => {
    expect(parseDay('27/11/2026')).toBe('2026-11-27');
    expect(parseDay(' 1/2/2026 ')).toBe('2026-02-01');
    expect(parseDay('2026-11-27')).toBe('2026-11-27');
    expect(parseDay('29/02/2026')).toBeUndefined();
    expect(parseDay('31/04/2026')).toBeUndefined();
    expect(parseDay('11/27/2026')).toBeUndefined();
    expect(parseDay('27.11.2026')).toBeUndefined();
    expect(parseMonth('11/2026')).toBe('2026-11');
    expect(parseMonth('1/2027')).toBe('2027-01');
    expect(parseMonth('2026-11')).toBe('2026-11');
    expect(parseMonth('13/2026')).toBeUndefined();
    expect(parseMonth('0/2026')).toBeUndefined();
  });
});
