/** The committed JSON Schema files match the zod contracts. */
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { renderContractSchemas, topicJsonSchema } from '../../../shared/domain/contracts/index.js';
import { TOPICS } from '../../../shared/domain/topics.js';
import { DATA_CONTRACT_SCHEMA_FILE, dataContractJsonSchema } from '../../../shared/ml/contract.js';

const docsDir = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', 'docs', 'contracts');
const STALE = 'docs/contracts is stale: run `npm run contracts:generate` and commit the result';

describe('generated contracts', () => {
  const files = renderContractSchemas();

  it('renders one schema per topic plus the README', () => {
    expect(Object.keys(files).sort()).toEqual([...TOPICS.map((t) => `${t}.schema.json`), 'README.md'].sort());
  });

  it('is deterministic, pretty-printed and newline-terminated', () => {
    expect(renderContractSchemas()).toEqual(files);
    for (const [name, text] of Object.entries(files)) {
      expect(text.endsWith('\n'), name).toBe(true);
      if (name.endsWith('.json')) expect(text).toBe(`${JSON.stringify(JSON.parse(text), null, 2)}\n`);
    }
  });

  it.each(Object.keys(renderContractSchemas()))('committed %s is up to date', (name) => {
    let committed: string | undefined;
    try {
      committed = readFileSync(join(docsDir, name), 'utf8');
    } catch {
      committed = undefined;
    }
    expect(committed, `${STALE} (${name} missing)`).toBeDefined();
    expect(committed === files[name], `${STALE} (${name} differs)`).toBe(true);
  });

  it('has no schema files for topics that no longer exist', () => {
    const extra = readdirSync(docsDir).filter(
      (f) => f.endsWith('.schema.json') && !(f in files) && f !== DATA_CONTRACT_SCHEMA_FILE,
    );
    expect(extra, STALE).toEqual([]);
  });

  it('describes the input side: defaults are optional, keys are optional, traffic keys are semver', () => {
    const landed = topicJsonSchema('data-landed');
    expect(landed.required).toEqual(['type', 'dataUri']);
    expect(landed).toHaveProperty('properties.source.default', 'operator');
    const promotions = topicJsonSchema('promotions') as {
      anyOf: [
        { oneOf: Array<{ properties: Record<string, unknown> }> },
        { title: string; properties: Record<string, unknown> },
      ];
    };
    expect(promotions.anyOf).toHaveLength(2);
    expect(promotions.anyOf[0].oneOf).toHaveLength(7);
    expect(promotions.anyOf[1].title).toBe('policy.update');
    expect(JSON.stringify(promotions.anyOf[1].properties.policy)).toContain(
      '"scale":{"anyOf":[{"type":"string","enum":["target","log"]}',
    );
    const setTraffic = promotions.anyOf[0].oneOf.find((o) =>
      JSON.stringify(o.properties.action).includes('set-traffic'),
    );
    expect(setTraffic).toHaveProperty('properties.traffic.propertyNames.pattern', '^\\d+\\.\\d+\\.\\d+$');
    expect((topicJsonSchema('drift-alerts') as { anyOf: unknown[] }).anyOf).toHaveLength(5);
    expect((topicJsonSchema('retrain-requests') as { anyOf: unknown[] }).anyOf).toHaveLength(2);
  });
});

describe('generated data contract schema', () => {
  it('is committed up to date', () => {
    const committed = readFileSync(join(docsDir, DATA_CONTRACT_SCHEMA_FILE), 'utf8');
    expect(
      committed === `${JSON.stringify(dataContractJsonSchema(), null, 2)}\n`,
      `${STALE} (${DATA_CONTRACT_SCHEMA_FILE} differs)`,
    ).toBe(true);
  });
});
