import { describe, expect, it } from 'vitest';
import { parseCsv, toCsv } from '../../shared/ml/csv.js';
import { parseContract } from '../../shared/ml/contract.js';
import { DEFAULT_CONTRACT } from '../../shared/ml/default-contract.js';
import { generateSamplePanel } from '../../shared/ml/sample-data.generator.js';
import { assertValid, DatasetValidationError, validateTable } from '../../shared/ml/validation.js';

const panel = (): { header: string[]; rows: (string | number | null)[][] } => generateSamplePanel({ companies: 10, quarters: 8, seed: 1, missingRate: 0, outlierRate: 0 });

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
    const csv = toCsv(p.header.filter((_, k) => k !== j), p.rows.map((r) => r.filter((_, k) => k !== j)));
    expect(errorsOf(csv)).toEqual([expect.objectContaining({ column: 'total_debt', message: expect.stringContaining('column "total_debt" named by the contract is missing') })]);
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
    expect(errorsOf(toCsv(p.header, p.rows))).toContainEqual(expect.objectContaining({ column: 'enterprise_value', message: 'target column "enterprise_value" has no values: all 80 rows are missing' }));
  });

  it('reports a contract column that the data does not have', () => {
    const contract = parseContract({ ...DEFAULT_CONTRACT, columns: [...DEFAULT_CONTRACT.columns, { name: 'ebitda', type: 'numeric' }] });
    expect(errorsOf(toCsv(panel().header, panel().rows), contract)).toEqual([expect.objectContaining({ column: 'ebitda', message: expect.stringContaining('"ebitda" named by the contract is missing from the data') })]);
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
});
