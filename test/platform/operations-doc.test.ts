/** docs/operations.md stays complete: every configuration option in its environment table (README.md carries the same table), every CLI command described. */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { COMMANDS } from '../../shared/cli/main.js';
import { OPTIONS } from '../../shared/config.js';

const doc = readFileSync(new URL('../../docs/operations.md', import.meta.url), 'utf8');

/** The rows of the table between the env-table markers, by variable name. */
function envRows(): Map<string, string> {
  const start = doc.indexOf('<!-- env-table:start -->');
  const end = doc.indexOf('<!-- env-table:end -->');
  expect(start, 'env-table markers').toBeGreaterThan(-1);
  expect(end).toBeGreaterThan(start);
  const rows = new Map<string, string>();
  for (const line of doc.slice(start, end).split('\n')) {
    const m = /^\| `([A-Z][A-Z0-9_]*)` \|/.exec(line);
    if (m) rows.set(m[1], line);
  }
  return rows;
}

describe('docs/operations.md', () => {
  it('has a row for every option shared/config.ts reads, with its default', () => {
    const rows = envRows();
    const missing = Object.values(OPTIONS)
      .map((o) => o.env)
      .filter((env) => !rows.has(env));
    expect(missing, 'options missing from the env table').toEqual([]);
    for (const option of Object.values(OPTIONS)) {
      const fallback = 'default' in option ? option.default : undefined;
      if (fallback !== undefined) expect(rows.get(option.env), `${option.env} default`).toContain(`\`${fallback}\``);
    }
  });

  it('README.md carries the same environment table', () => {
    const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
    const table = (text: string) =>
      text.slice(text.indexOf('<!-- env-table:start -->'), text.indexOf('<!-- env-table:end -->'));
    expect(table(readme).length).toBeGreaterThan(100);
    expect(table(readme)).toBe(table(doc));
  });

  it('describes every ipo-mlops command', () => {
    const missing = COMMANDS.map((c) => c.path.join(' ')).filter((p) => !doc.includes(`\`${p}`));
    expect(missing).toEqual([]);
  });
});
