/**
 * From a CSV landing to a new version serving, on the real embedded stack (worker-thread training,
 * real gate, in-process endpoint): `data-landed` is published, and the deployment document is
 * polled until its split names a version.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { loadConfig } from '../../shared/config.js';
import { createLocalStack } from '../../shared/composition/local.js';
import { COLLECTIONS, type DeploymentDoc, type RunDoc, type VersionDoc } from '../../shared/domain/state.js';
import { generateSampleCsv } from '../../shared/ml/sample-data.generator.js';
import { silentLogger } from '../support/report.js';

/** What the landing-to-serving run measured. */
export interface EndToEndFigures {
  rows: number;
  seconds: number;
  /** Run created -> run finished (training and evaluation in the worker), s. */
  trainingSeconds?: number;
  version?: string;
  r2?: number;
  mape?: number;
  split?: Record<string, number>;
  timedOut: boolean;
  /** Set when the gate rejected the version instead (nothing new serves). */
  rejectedBecause?: string;
}

/** Land the default sample data in `dir` and wait (at most `timeoutMs`) until a version serves. */
export async function landToServing(dir: string, timeoutMs: number): Promise<EndToEndFigures> {
  const stack = await createLocalStack(loadConfig({ IPO_DATA_DIR: dir, LOG_LEVEL: 'ERROR' }), { logger: silentLogger });
  stack.registerFunctions();
  const modelId = stack.deps.settings.modelId;
  const csv = join(dir, 'landing', 'sample.csv');
  mkdirSync(join(dir, 'landing'), { recursive: true });
  const text = generateSampleCsv();
  writeFileSync(csv, text);
  const rows = text.trimEnd().split('\n').length - 1;

  const started = performance.now();
  await stack.bus.publish({
    topic: 'data-landed',
    data: {
      type: 'data.landed',
      modelId,
      dataUri: pathToFileURL(csv).href,
      source: 'local-folder',
      idempotencyKey: 'bench-landing',
    },
  });
  let deployment: DeploymentDoc | undefined;
  let rejected: VersionDoc | undefined;
  while (performance.now() - started < timeoutMs) {
    deployment = await stack.store.get<DeploymentDoc>(COLLECTIONS.deployments, `${modelId}-endpoint`);
    if (deployment && Object.keys(deployment.split).length > 0) break;
    rejected = (
      await stack.store.query<VersionDoc>(COLLECTIONS.versions(modelId), {
        where: [{ field: 'state', op: '==', value: 'rejected' }],
      })
    )[0]?.data;
    if (rejected) break;
    await new Promise((r) => setTimeout(r, 50));
  }
  const seconds = (performance.now() - started) / 1000;
  const version = deployment ? Object.keys(deployment.split)[0] : undefined;
  const versionDoc = version ? await stack.store.get<VersionDoc>(COLLECTIONS.versions(modelId), version) : rejected;
  const run = versionDoc ? await stack.store.get<RunDoc>(COLLECTIONS.runs, versionDoc.runId) : undefined;
  const finishedAt = run?.finishedAt;
  await stack.close();
  return {
    rows,
    seconds,
    timedOut: versionDoc === undefined,
    ...(rejected && !version ? { rejectedBecause: rejected.gate.reasons.join('; ') } : {}),
    ...(run && typeof finishedAt === 'string'
      ? { trainingSeconds: (Date.parse(finishedAt) - Date.parse(run.createdAt)) / 1000 }
      : {}),
    ...(versionDoc
      ? {
          version: versionDoc.version,
          r2: versionDoc.metrics.r2,
          mape: versionDoc.metrics.mape,
          split: deployment?.split,
        }
      : {}),
  };
}
