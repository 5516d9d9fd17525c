import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { generateSampleCsv } from '../../shared/ml/sample-data.generator.js';
import { main, parseTrainerArgs } from '../../shared/composition/trainer.js';
import { buildPipelineSpec } from '../../shared/ml/pipeline-spec.js';

const dir = mkdtempSync(path.join(tmpdir(), 'ipo-trainer-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** The args a KFP executor would pass, with the placeholders filled in. */
function argsFor(step: 'validate' | 'train', params: Record<string, string>): string[] {
  const spec = buildPipelineSpec({ image: 'img' }) as {
    deploymentSpec: { executors: Record<string, { container: { args: string[] } }> };
  };
  return spec.deploymentSpec.executors[`exec-${step}`].container.args.map((a) =>
    a.replace(/^\{\{\$\.inputs\.parameters\['(\w+)'\]\}\}$/, (_m, p: string) => params[p] ?? ''),
  );
}

describe('trainer entry point', () => {
  it('runs the spec components: validate, then train, writing artifacts to the URI', async () => {
    writeFileSync(path.join(dir, 'd.csv'), generateSampleCsv({ companies: 20, quarters: 12, seed: 4 }));
    const params = {
      run_id: 'r',
      model_id: 'm',
      correlation_id: 'c',
      data_uri: pathToFileURL(path.join(dir, 'd.csv')).href,
      contract_uri: '',
      artifact_uri: pathToFileURL(path.join(dir, 'out')).href,
      seed: '5',
      hyperparameters: '{"epochs":2}',
    };
    expect(parseTrainerArgs(argsFor('train', params)).request).toMatchObject({
      runId: 'r',
      seed: 5,
      hyperparameters: { epochs: 2 },
    });
    expect(parseTrainerArgs(argsFor('train', params)).request.contractUri).toBeUndefined();
    const lines: string[] = [];
    expect(await main(argsFor('validate', params), (l) => lines.push(l))).toBe(0);
    expect(JSON.parse(lines.at(-1) ?? '{}')).toMatchObject({
      message: 'validate succeeded',
      completion: { state: 'succeeded', validation: { ok: true } },
    });
    expect(lines.some((l) => l.includes('"step":"train"'))).toBe(false);
    expect(await main(argsFor('train', params), (l) => lines.push(l))).toBe(0);
    expect(JSON.parse(lines.at(-1) ?? '{}').completion.metrics.test.n).toBeGreaterThan(0);
    expect(
      await main(argsFor('train', { ...params, data_uri: `${params.data_uri}.missing` }), (l) => lines.push(l)),
    ).toBe(1);
    expect(JSON.parse(lines.at(-1) ?? '{}')).toMatchObject({
      severity: 'ERROR',
      completion: { state: 'failed', errorCode: 'ARTIFACT.NOT_FOUND' },
    });
  });
});
