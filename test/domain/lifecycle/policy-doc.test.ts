/** docs/gate-and-policy.md documents every policy field: a field added to the schema must be added to the page. */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { defaultPolicy } from '../../../shared/domain/lifecycle/policy.js';
import { policyUpdateInputSchema } from '../../../shared/domain/contracts/promotions.js';

const doc = readFileSync(new URL('../../../docs/gate-and-policy.md', import.meta.url), 'utf8');

function leaves(value: unknown, path = ''): string[] {
  if (typeof value !== 'object' || value === null || Array.isArray(value) || Object.keys(value).length === 0)
    return [path];
  return Object.entries(value).flatMap(([k, v]) => leaves(v, path === '' ? k : `${path}.${k}`));
}

describe('docs/gate-and-policy.md', () => {
  it('names every policy field', () => {
    const missing = [...leaves(defaultPolicy()), 'drift.windowHours'].filter((path) => !doc.includes(`\`${path}\``));
    expect(missing).toEqual([]);
  });

  it('shows policy.update examples that validate', () => {
    const examples = [...doc.matchAll(/```json\n([\s\S]*?)```/g)]
      .flatMap((m) => m[1].split(/\n\s*\n/))
      .map((text) => JSON.parse(text) as Record<string, unknown>);
    expect(examples.length).toBeGreaterThanOrEqual(5);
    for (const example of examples) expect(policyUpdateInputSchema.safeParse(example).error).toBeUndefined();
  });
});
