/** Cell parsers: numbers, ranges read as midpoints, periods and calendar dates (UTC, whatever the machine's zone). */
import { describe, expect, it } from 'vitest';
import { parseDate, parsePeriod, parseRange } from '../../shared/ml/frame.js';

describe('cell parsers', () => {
  it('reads a range as its midpoint and a single number as itself', () => {
    expect(parseRange('26.00 - 32.00')).toBe(29);
    expect(parseRange('$26.00 - $32.00')).toBe(29);
    expect(parseRange('26–32')).toBe(29);
    expect(parseRange('10 to 11')).toBe(10.5);
    expect(parseRange('1,000 - 2,000')).toBe(1500);
    expect(parseRange('17.5')).toBe(17.5);
    expect(parseRange(-3)).toBe(-3);
    expect(parseRange('-3')).toBe(-3);
    expect(parseRange('N/A')).toBeNaN();
    expect(parseRange('26 - 32 - 40')).toBeUndefined();
    expect(parseRange('about 30')).toBeUndefined();
  });

  it('reads dates as UTC midnight in every accepted form', () => {
    const march15 = Date.UTC(2021, 2, 15);
    expect(parseDate('2021-03-15')).toBe(march15);
    expect(parseDate('3/15/2021')).toBe(march15);
    expect(parseDate('March 15, 2021')).toBe(march15);
    expect(parseDate('2021-03-15T10:00:00Z')).toBe(march15 + 10 * 3_600_000);
    expect(parseDate('2021Q3')).toBe(Date.UTC(2021, 6, 1));
    expect(parseDate('2021')).toBe(Date.UTC(2021, 0, 1));
    expect(parseDate('2021-03')).toBe(Date.UTC(2021, 2, 1));
    expect(parseDate('')).toBeNaN();
    expect(parseDate('soon')).toBeUndefined();
  });

  it('orders periods: quarters and dates by time, plain numbers as period indices', () => {
    expect(parsePeriod('2021Q1')! < parsePeriod('2021-04-01')!).toBe(true);
    expect(parsePeriod('7')).toBe(7);
    expect(parsePeriod('later')).toBeUndefined();
  });
});
