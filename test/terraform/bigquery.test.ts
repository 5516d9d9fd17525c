import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, expectTypeOf, it } from 'vitest';
import {
  BIGQUERY_TABLES,
  BIGQUERY_TABLE_IDS,
  bigQuerySchemaJson,
  type ActualRow,
  type JsonValue,
  type MetricRow,
  type PredictionRow,
} from '../../shared/domain/bigquery-schemas.js';
import { TERRAFORM_DIR, resource } from './hcl.js';
import { loadDeployment, type Deployment } from './fixture.js';

let d: Deployment;
beforeAll(async () => {
  d = await loadDeployment();
});

describe('BigQuery tables match shared/domain/bigquery-schemas.ts', () => {
  it("declares exactly the code's tables with its partitioning and clustering", () => {
    const tables = d.root.locals.bigquery_tables as Record<string, { partition_field: string; clustering: string[] }>;
    expect(Object.keys(tables).sort()).toEqual([...BIGQUERY_TABLE_IDS].sort());
    for (const id of BIGQUERY_TABLE_IDS) {
      expect(tables[id].partition_field, id).toBe(BIGQUERY_TABLES[id].partitionField);
      expect(tables[id].clustering, id).toEqual([...BIGQUERY_TABLES[id].clustering]);
    }
    const table = resource(d.root, 'google_bigquery_table', 'table').body;
    expect(table.for_each).toBe('${local.bigquery_tables}');
    expect(table.schema).toBe('${file("${path.module}/schemas/bigquery/${each.key}.json")}');
  });

  it.each(BIGQUERY_TABLE_IDS)('terraform/schemas/bigquery/%s.json equals bigQuerySchemaJson()', (id) => {
    const file = join(TERRAFORM_DIR, 'schemas', 'bigquery', `${id}.json`);
    const expected = `${JSON.stringify(bigQuerySchemaJson(id), null, 2)}\n`;
    // On a deliberate schema change, write `expected` to the file (npx tsx test/terraform/write-bigquery-schemas.ts).
    expect(readFileSync(file, 'utf8')).toBe(expected);
  });

  it('partitions and clusters on columns that exist and are required', () => {
    for (const id of BIGQUERY_TABLE_IDS) {
      const fields = new Map<string, { type: string; mode: string }>(
        BIGQUERY_TABLES[id].fields.map((f) => [f.name, f]),
      );
      expect(fields.get(BIGQUERY_TABLES[id].partitionField), id).toMatchObject({ type: 'TIMESTAMP', mode: 'REQUIRED' });
      for (const c of BIGQUERY_TABLES[id].clustering) expect(fields.get(c)?.mode, `${id}.${c}`).toBe('REQUIRED');
    }
  });

  it('derives row types from the column lists', () => {
    expectTypeOf<PredictionRow['prediction']>().toEqualTypeOf<number>();
    expectTypeOf<PredictionRow['features']>().toEqualTypeOf<JsonValue>();
    expectTypeOf<PredictionRow['market_condition']>().toEqualTypeOf<string | null | undefined>();
    expectTypeOf<keyof ActualRow>().toEqualTypeOf<'request_id' | 'model_id' | 'actual_value' | 'observed_at'>();
    expectTypeOf<ActualRow['actual_value']>().toEqualTypeOf<number>();
    expectTypeOf<ActualRow['observed_at']>().toEqualTypeOf<string>();
    expectTypeOf<MetricRow['labels']>().toEqualTypeOf<JsonValue>();
    const row: PredictionRow = {
      request_id: 'r1',
      model_id: 'ipo-valuation',
      model_version: '1.0.0',
      endpoint_id: '1',
      features: { sector: 'tech' },
      prediction: 1.5,
      predicted_at: '2026-01-01T00:00:00Z',
      latency_ms: 3,
    };
    expect(Object.keys(row).sort()).toEqual(PREDICTION_COLUMNS_WITHOUT_OPTIONAL);
  });
});

const PREDICTION_COLUMNS_WITHOUT_OPTIONAL = BIGQUERY_TABLES.prediction_log.fields
  .filter((f) => f.mode === 'REQUIRED')
  .map((f) => f.name)
  .sort();
