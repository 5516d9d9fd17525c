/**
 * Writes docs/contracts/<topic>.schema.json and README.md from the zod message contracts, and
 * data-contract.schema.json from the data contract (`npm run contracts:generate`).
 */
import { mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { renderContractSchemas } from '../shared/domain/contracts/json-schema.js';
import { DATA_CONTRACT_SCHEMA_FILE, dataContractJsonSchema } from '../shared/ml/contract.js';

const outDir = join(dirname(fileURLToPath(import.meta.url)), '..', 'docs', 'contracts');
mkdirSync(outDir, { recursive: true });
const files = {
  ...renderContractSchemas(),
  [DATA_CONTRACT_SCHEMA_FILE]: `${JSON.stringify(dataContractJsonSchema(), null, 2)}\n`,
};
// Remove schemas of topics that no longer exist, so the folder mirrors the contracts exactly.
for (const name of readdirSync(outDir)) {
  if (name.endsWith('.schema.json') && !(name in files)) rmSync(join(outDir, name));
}
for (const [name, text] of Object.entries(files)) writeFileSync(join(outDir, name), text);
console.log(`wrote ${Object.keys(files).length} files to ${outDir}`);
