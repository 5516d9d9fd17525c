import { describe, expect, it } from 'vitest';
import { ValidationError } from '../../shared/domain/errors.js';
import { contractHash, parseContract } from '../../shared/ml/contract.js';
import { DEFAULT_CONTRACT } from '../../shared/ml/default-contract.js';

const clone = (): Record<string, unknown> => JSON.parse(JSON.stringify(DEFAULT_CONTRACT)) as Record<string, unknown>;

function issuesOf(input: unknown): string[] {
  try {
    parseContract(input);
  } catch (err) {
    expect(err).toBeInstanceOf(ValidationError);
    return (err as ValidationError).issues.map((i) => `${i.path}: ${i.message}`);
  }
  throw new Error('expected the contract to be rejected');
}

describe('data contract', () => {
  it('the default contract is the guide schema', () => {
    expect(DEFAULT_CONTRACT.columns.map((c) => c.name)).toEqual([
      'company_id',
      'fiscal_quarter',
      'sector',
      'revenue',
      'net_income',
      'total_debt',
      'total_equity',
      'market_cap',
      'enterprise_value',
    ]);
    expect(DEFAULT_CONTRACT.target).toEqual({ column: 'enterprise_value', transform: 'log' });
  });

  it('names a feature source that is neither a column nor an earlier feature', () => {
    const c = clone();
    (c.features as { source?: string }[])[0].source = 'ebitda';
    expect(issuesOf(c)).toContainEqual(
      expect.stringMatching(/^features\.0: names "ebitda", which is neither a contract column/),
    );
  });

  it('names a target, entity or time column the contract does not declare', () => {
    const c = { ...clone(), entityColumn: 'ticker', target: { column: 'ev', transform: 'log' } };
    const issues = issuesOf(c);
    expect(issues).toContainEqual(expect.stringContaining('entityColumn: names column "ticker"'));
    expect(issues).toContainEqual(expect.stringContaining('target.column: names column "ev"'));
  });

  it('rejects the target as a feature input (leakage)', () => {
    const c = clone();
    (c.features as unknown[]).push({ name: 'ev_log', kind: 'log', source: 'enterprise_value' });
    expect(issuesOf(c)).toContainEqual(
      expect.stringMatching(/^features\.14: uses the target column "enterprise_value" as an input \(leakage\)/),
    );
  });

  it('rejects an unknown transform kind with its path', () => {
    const c = clone();
    (c.features as unknown[]).push({ name: 'x', kind: 'spline', source: 'revenue' });
    expect(issuesOf(c).some((i) => i.startsWith('features.14'))).toBe(true);
  });

  it('hashes independently of key order', () => {
    const reordered = parseContract(Object.fromEntries(Object.entries(clone()).reverse()));
    expect(contractHash(reordered)).toBe(contractHash(DEFAULT_CONTRACT));
  });

  it('names the model families once each and needs two seeds for an ensemble', () => {
    expect(issuesOf({ ...clone(), model: { families: ['trees', 'trees'] } })).toContainEqual(
      'model.families: each family may be named once',
    );
    expect(issuesOf({ ...clone(), model: { families: ['mlp-ensemble'], mlpSeeds: 1 } })).toContainEqual(
      'model.mlpSeeds: an mlp-ensemble needs at least 2 seeds',
    );
    expect(
      issuesOf({ ...clone(), model: { families: ['xgboost'] } }).some((i) => i.startsWith('model.families.0')),
    ).toBe(true);
  });

  it('leaves the model section out of the hash, so choosing families is no new major version', () => {
    // The default contract's hash from before model families existed: existing champions keep their major version.
    expect(contractHash(DEFAULT_CONTRACT)).toBe('065944e056689e0ebe5cbfad9669b407c5816d0e3fbb7251a0c6c4d14ba9ca08');
    expect(contractHash(parseContract({ ...clone(), model: { families: ['ridge'] } }))).toBe(
      contractHash(DEFAULT_CONTRACT),
    );
    expect(contractHash(parseContract({ ...clone(), minRows: 51 }))).not.toBe(contractHash(DEFAULT_CONTRACT));
  });

  it('states the column-name rule and the offending name', () => {
    const c = clone();
    (c.columns as { name: string }[])[2].name = '2nd sector';
    expect(issuesOf(c)).toContainEqual(
      'columns.2.name: must start with a letter or "_" and contain only letters, digits, spaces, "_", "." or "-"; got "2nd sector"',
    );
  });

  it('rejects unknown keys (a typo never falls back to a default silently)', () => {
    const c = clone();
    (c.columns as Record<string, unknown>[])[3].maxMissingrate = 0.1;
    expect(issuesOf(c)).toContainEqual(expect.stringMatching(/^columns\.3: .*maxMissingrate/));
  });

  it('checks the new vocabulary: date parts read date columns, parsers belong to numeric columns, rows splits and $schema', () => {
    const c = clone();
    (c.features as unknown[]).push(
      { name: 'yr', kind: 'date_part', source: 'revenue', part: 'year' },
      { name: 'q', kind: 'date_part', source: 'fiscal_quarter', part: 'quarter' },
    );
    (c.columns as Record<string, unknown>[])[2].parse = 'range';
    expect(issuesOf(c)).toEqual([
      'features.14: "date_part" needs a date source; "revenue" is numeric',
      'columns.2.parse: only numeric columns take a parser; "sector" is categorical',
    ]);
    const ok = parseContract({
      ...clone(),
      $schema: './data-contract.schema.json',
      split: { train: 0.6, validation: 0.2, by: 'rows' },
      features: [
        ...(clone().features as unknown[]),
        { name: 'q', kind: 'date_part', source: 'fiscal_quarter', part: 'quarter' },
      ],
    });
    expect(ok.split.by).toBe('rows');
    expect(contractHash({ ...ok, $schema: 'elsewhere' })).toBe(contractHash(ok));
  });
});
