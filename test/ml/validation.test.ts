import { describe, expect, it } from 'vitest';
import { parseCsv, toCsv } from '../../shared/ml/csv.js';
import { parseContract } from '../../shared/ml/contract.js';
import { DEFAULT_CONTRACT } from '../../shared/ml/default-contract.js';
import { generateSamplePanel } from '../../shared/ml/sample-data.generator.js';
import { assertValid, DatasetValidationError, validateTable } from '../../shared/ml/validation.js';

const panel = (): { header: string[]; rows: (string | number | null)[][] } =>
  generateSamplePanel({ companies: 10, quarters: 8, seed: 1, missingRate: 0, outlierRate: 0 });

function errorsOf(csv: string, contract = DEFAULT_CONTRACT): { column: string; rows: number; message: string }[] {
  const { report } = validateTable(parseCsv(csv), contract);
  expect(report.ok).toBe(false);
  try {
    assertValid(report);
  } catch (err) {
    expect(err).toBeInstanceOf(DatasetValidationError);
    expect((err as DatasetValidationError).code).toBe('DATA.INVALID');
  }
  return report.issues.filter((i) => i.severity === 'error');
}

describe('dataset validation', () => {
  it('accepts the generated sample and reports its missing rates', () => {
    const { report, frame } = validateTable(parseCsv(toCsv(panel().header, panel().rows)), DEFAULT_CONTRACT);
    expect(report).toMatchObject({ ok: true, rowCount: 80, errors: 0 });
    expect(report.missingRates.revenue).toBe(0);
    expect(frame?.n).toBe(80);
  });

  it('names a missing column', () => {
    const p = panel();
    const j = p.header.indexOf('total_debt');
    const csv = toCsv(
      p.header.filter((_, k) => k !== j),
      p.rows.map((r) => r.filter((_, k) => k !== j)),
    );
    expect(errorsOf(csv)).toEqual([
      expect.objectContaining({
        column: 'total_debt',
        message: expect.stringContaining('column "total_debt" named by the contract is missing'),
      }),
    ]);
  });

  it('names the column and rows with text in a numeric column', () => {
    const p = panel();
    const j = p.header.indexOf('revenue');
    p.rows[2][j] = 'n.a.';
    p.rows[6][j] = '12 million';
    const [e] = errorsOf(toCsv(p.header, p.rows));
    expect(e).toMatchObject({ column: 'revenue', rows: 2 });
    expect(e.message).toContain('column "revenue" (numeric): 2 of 80 rows are not a number');
    expect(e.message).toContain('lines 4, 8');
    expect(e.message).toContain('"12 million"');
  });

  it('reports an empty file and a header-only file', () => {
    expect(errorsOf('')[0].message).toContain('the file is empty');
    expect(errorsOf(`${panel().header.join(',')}\n`)[0].message).toContain('header but no data rows');
  });

  it('reports an all-missing target', () => {
    const p = panel();
    const j = p.header.indexOf('enterprise_value');
    p.rows.forEach((r) => (r[j] = null));
    expect(errorsOf(toCsv(p.header, p.rows))).toContainEqual(
      expect.objectContaining({
        column: 'enterprise_value',
        message: 'target column "enterprise_value" has no values: all 80 rows are missing',
      }),
    );
  });

  it('reports a contract column that the data does not have', () => {
    const contract = parseContract({
      ...DEFAULT_CONTRACT,
      columns: [...DEFAULT_CONTRACT.columns, { name: 'ebitda', type: 'numeric' }],
    });
    expect(errorsOf(toCsv(panel().header, panel().rows), contract)).toEqual([
      expect.objectContaining({
        column: 'ebitda',
        message: expect.stringContaining('"ebitda" named by the contract is missing from the data'),
      }),
    ]);
  });

  it('reports duplicates, excessive missingness and too few rows; range violations are warnings', () => {
    const p = panel();
    const rev = p.header.indexOf('revenue');
    const equity = p.header.indexOf('total_equity');
    p.rows.push([...p.rows[0]]);
    p.rows.forEach((r, i) => (r[equity] = i % 3 === 0 ? r[equity] : null));
    p.rows[5][rev] = -10;
    const contract = parseContract({ ...DEFAULT_CONTRACT, minRows: 500 });
    const { report } = validateTable(parseCsv(toCsv(p.header, p.rows)), contract);
    const byCheck = Object.fromEntries(report.issues.map((i) => [i.check, i]));
    expect(byCheck.duplicate).toMatchObject({ column: 'company_id,fiscal_quarter', rows: 1, severity: 'error' });
    expect(byCheck.missing).toMatchObject({ column: 'total_equity', rows: 54, severity: 'error' });
    expect(byCheck.row_count.message).toBe('the data has 81 rows; the contract needs at least 500');
    expect(byCheck.range).toMatchObject({ column: 'revenue', rows: 1, severity: 'warning' });
  });

  it('warns about a numeric column that is a third placeholder text, naming the text; the limit is settable per column', () => {
    const p = panel();
    const j = p.header.indexOf('net_income');
    p.rows.forEach((r, i) => (r[j] = i % 20 < 7 ? 'N/A' : r[j]));
    const csv = toCsv(p.header, p.rows);
    const { report } = validateTable(parseCsv(csv), DEFAULT_CONTRACT);
    expect(report.ok).toBe(true);
    const warning = report.issues.find((i) => i.check === 'missing');
    expect(warning).toMatchObject({ column: 'net_income', severity: 'warning', rows: 28 });
    expect(warning?.message).toContain(
      'column "net_income": 28 of 80 rows missing (35.0%, of which 28 are text such as "N/A") > 10.0%',
    );
    const strict = parseContract({
      ...DEFAULT_CONTRACT,
      columns: DEFAULT_CONTRACT.columns.map((c) => (c.name === 'net_income' ? { ...c, maxMissingRate: 0.3 } : c)),
    });
    expect(errorsOf(csv, strict)).toEqual([
      expect.objectContaining({
        column: 'net_income',
        message: expect.stringContaining('(35.0%, of which 28 are text such as "N/A") > allowed 30.0%'),
      }),
    ]);
    const quiet = parseContract({ ...DEFAULT_CONTRACT, validation: { warnMissingRate: 0.4 } });
    expect(validateTable(parseCsv(csv), quiet).report.issues).toEqual([]);
  });

  it('warns when a one-hot feature folds categories into "(other)"', () => {
    const p = panel();
    const j = p.header.indexOf('sector');
    p.rows.forEach((r, i) => (r[j] = `S${i % 8}`));
    const contract = parseContract({
      ...DEFAULT_CONTRACT,
      features: DEFAULT_CONTRACT.features.map((f) => (f.kind === 'one_hot' ? { ...f, maxCategories: 5 } : f)),
    });
    const { report } = validateTable(parseCsv(toCsv(p.header, p.rows)), contract);
    expect(report.ok).toBe(true);
    expect(report.issues).toEqual([
      expect.objectContaining({ column: 'sector', check: 'categories', severity: 'warning' }),
    ]);
    expect(report.issues[0].message).toBe(
      'column "sector" has 8 distinct values; feature "sector_code" keeps the 5 most frequent in training and folds the rest into "(other)" (about 30 of 80 rows); raise maxCategories to keep more',
    );
  });

  it('reads range columns and names what a date or range cell should look like', () => {
    const contract = parseContract({
      ...DEFAULT_CONTRACT,
      columns: [
        ...DEFAULT_CONTRACT.columns,
        { name: 'price_range', type: 'numeric', parse: 'range' },
        { name: 'listed', type: 'date' },
      ],
    });
    const p = panel();
    p.header.push('price_range', 'listed');
    p.rows.forEach((r, i) => r.push(i === 3 ? 'TBD' : '26.00 - 32.00', i === 5 ? 'someday' : '3/15/2021'));
    const errors = errorsOf(toCsv(p.header, p.rows), contract);
    expect(errors.map((e) => e.message)).toEqual([
      'column "price_range" (numeric): 1 of 80 rows are not a number or a range like "26.00 - 32.00", e.g. "TBD" (line 5)',
      'column "listed" (date): 1 of 80 rows are not a date like 2021-03-15, 3/15/2021, 2021Q3 or 2021, e.g. "someday" (line 7)',
    ]);
    p.rows[3][p.header.length - 2] = '28';
    p.rows[5][p.header.length - 1] = '2021-01-02';
    const { frame } = validateTable(parseCsv(toCsv(p.header, p.rows)), contract);
    expect(frame?.numeric.price_range[0]).toBe(29);
    expect(frame?.numeric.price_range[3]).toBe(28);
    expect(frame?.dates.listed[5]).toBe(Date.UTC(2021, 0, 2));
  });
});
