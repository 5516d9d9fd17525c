/**
 * A clean stop (SIGTERM -> platform close) during training does not consume a retry attempt: the
 * worker is stopped without a failed completion, the run stays `running` as attempt 1, and the next
 * start relaunches it under the same run id, where it completes. Real embedded stack, real training.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../shared/config.js';
import { createLocalStack, type LocalStack, type LocalStackOptions } from '../../shared/composition/local.js';
import { COLLECTIONS, type RunDoc } from '../../shared/domain/state.js';
import { silentLogger } from '../../shared/logging.js';
import { generateSampleCsv } from '../../shared/ml/sample-data.generator.js';
import { until } from './support/backends.js';

const dir = mkdtempSync(join(tmpdir(), 'ipo-clean-stop-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('clean stop during training', () => {
  const config = loadConfig({ IPO_DATA_DIR: dir, LOG_LEVEL: 'ERROR' });
  const open = async (hyperparameters: Record<string, number>): Promise<LocalStack> => {
    const options: LocalStackOptions = {
      logger: silentLogger,
      hyperparameters,
      subscription: { minBackoffMs: 10, maxBackoffMs: 100 },
    };
    const stack = await createLocalStack(config, options);
    stack.registerFunctions();
    return stack;
  };
  const runs = async (stack: LocalStack): Promise<RunDoc[]> =>
    (await stack.store.query<RunDoc>(COLLECTIONS.runs)).map((f) => f.data);

  it('the run resumes as the same attempt after a restart and completes; no retry is scheduled', async () => {
    mkdirSync(join(dir, 'landing'), { recursive: true });
    const csv = join(dir, 'landing', 'q1.csv');
    writeFileSync(csv, generateSampleCsv({ companies: 60, quarters: 16, seed: 3 }));
    let stack = await open({ epochs: 1000, patience: 1000, batchSize: 16 });
    await stack.bus.publish({
      topic: 'data-landed',
      attributes: { idempotencyKey: 'land-q1' },
      data: { type: 'data.landed', modelId: config.modelId, dataUri: pathToFileURL(csv).href, source: 'local-folder' },
    });
    await until(
      async () => (await runs(stack)).some((r) => r.state === 'running' && typeof r.progress?.epoch === 'number'),
      'training to start',
      60_000,
    );
    await stack.close(); // what SIGTERM does (platform close -> stack close)

    stack = await open({ epochs: 2, batchSize: 128 });
    try {
      const [stopped] = await runs(stack);
      expect(stopped).toMatchObject({ state: 'running', attempt: 1 });
      // The startup reconciler pass finds the runner does not know the run and launches it again.
      await until(
        async () => (await runs(stack)).every((r) => !['requested', 'submitted', 'running'].includes(r.state)),
        'the run to finish',
        120_000,
      );
      await stack.bus.whenIdle();
      const after = await runs(stack);
      expect(after).toEqual([expect.objectContaining({ runId: stopped.runId, state: 'evaluated', attempt: 1 })]);
      const audit = (await stack.store.query<{ action: string }>(COLLECTIONS.audit)).map((a) => a.data.action);
      expect(audit).toContain('run.succeeded');
      expect(audit).not.toContain('run.retry-scheduled');
      expect(audit).not.toContain('run.failed');
    } finally {
      await stack.close();
    }
  }, 240_000);
});
