import { describe, expect, it } from 'vitest';
import { parseCsv, toCsv } from '../../shared/ml/csv.js';

describe('csv', () => {
  it('round-trips quotes, commas, newlines and missing values', () => {
    const text = toCsv(
      ['a', 'b, c'],
      [
        ['x "q"', 1],
        ['line1\nline2', null],
        ['', NaN],
      ],
    );
    const t = parseCsv(text);
    expect(t.header).toEqual(['a', 'b, c']);
    expect(t.rows).toEqual([
      ['x "q"', '1'],
      ['line1\nline2', ''],
      ['', ''],
    ]);
    expect(t.lines).toEqual([2, 3, 5]);
  });

  it('handles CRLF, a BOM and an empty file', () => {
    expect(parseCsv('\ufeffa,b\r\n1,2\r\n')).toEqual({ header: ['a', 'b'], rows: [['1', '2']], lines: [2] });
    expect(parseCsv('')).toEqual({ header: [], rows: [], lines: [] });
  });
});
