/** A one-row-per-listing table through the whole pipeline: ranges, US dates, date parts, folded categories, a row-share split. */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { FsArtifactStore } from '../../shared/adapters/local/fs.artifact-store.js';
import { runPipeline } from '../../shared/ml/pipeline.js';
import { loadServingModel } from '../../shared/ml/serving-model.js';
import { generateIpoLikeCsv, IPO_LIKE_CONTRACT } from '../fixtures/ml/ipo-like.js';

const dir = mkdtempSync(path.join(tmpdir(), 'ipo-like-'));
const store = new FsArtifactStore(dir);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('an IPO-shaped dataset', () => {
  it('trains every default family, warns about folded underwriters, splits by rows and serves a new listing', async () => {
    writeFileSync(path.join(dir, 'ipos.csv'), generateIpoLikeCsv(1500, 3));
    const { model: _model, ...contract } = { ...IPO_LIKE_CONTRACT, model: undefined };
    writeFileSync(path.join(dir, 'ipos.contract.json'), JSON.stringify(contract));
    const request = {
      runId: 'ipo',
      modelId: 'm',
      correlationId: 'c',
      dataUri: store.uri('ipos.csv'),
      contractUri: store.uri('ipos.contract.json'),
      artifactUri: store.uri('runs/ipo'),
      hyperparameters: { epochs: 10, patience: 3 },
      seed: 2,
    };
    const out = await runPipeline(request, { store });
    expect(out.validation.issues).toEqual([
      expect.objectContaining({ column: 'underwriter', check: 'categories', severity: 'warning' }),
    ]);
    const m = out.metrics!;
    expect(Object.keys(m.families)).toEqual(['trees', 'mlp', 'ridge']);
    expect(out.lineage?.split).toMatchObject({ by: 'rows', rows: { train: expect.any(Number) } });
    const rows = out.lineage!.split.rows;
    expect(rows.train / (rows.train + rows.validation + rows.test)).toBeCloseTo(0.7, 1);
    // The trees learn the thresholds and interactions of the generator better than the MLP or ridge on validation.
    expect(m.families.trees!.validation.logScale!.r2).toBeGreaterThan(m.families.mlp!.validation.logScale!.r2);
    expect(m.families.trees!.validation.logScale!.r2).toBeGreaterThan(0.8);

    const serving = await loadServingModel(store, request.artifactUri);
    expect(serving.requiredFields).toEqual([
      'ipo_date',
      'exchange',
      'sector',
      'underwriter',
      'price_range',
      'offer_price',
      'shares_offered',
      'revenue',
      'net_income',
      'employees',
    ]);
    const listing = {
      ipo_date: '6/15/2021',
      exchange: 'NASDAQ',
      sector: 'Technology',
      underwriter: 'Bank 1',
      price_range: '$18.00 - $20.00',
      offer_price: 21,
      shares_offered: 9e6,
      revenue: 2e8,
      net_income: null,
      employees: 900,
    };
    const [cap] = serving.predict([listing]);
    expect(cap).toBeGreaterThan(1e7);
    expect(cap).toBeLessThan(1e11);
    serving.dispose();
  });
});
