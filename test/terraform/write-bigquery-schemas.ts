/**
 * Regenerates terraform/schemas/bigquery/*.json from shared/domain/bigquery-schemas.ts after a
 * deliberate schema change: `npx tsx test/terraform/write-bigquery-schemas.ts`.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { BIGQUERY_TABLE_IDS, bigQuerySchemaJson } from '../../shared/domain/bigquery-schemas.js';
import { TERRAFORM_DIR } from './hcl.js';

for (const id of BIGQUERY_TABLE_IDS) {
  const file = join(TERRAFORM_DIR, 'schemas', 'bigquery', `${id}.json`);
  writeFileSync(file, `${JSON.stringify(bigQuerySchemaJson(id), null, 2)}\n`);
  console.log(`wrote ${file}`);
}
