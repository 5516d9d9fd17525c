/**
 * Entry point of the trainer image: one pipeline component per invocation
 * (`--step validate` or `--step train`), with the pipeline parameters as flags.
 * Progress and the completion are printed as JSON lines for Cloud Logging; a failed run exits 1.
 */
import { parseArgs } from 'node:util';
import { FsArtifactStore } from '../adapters/local/fs.artifact-store.js';
import { GcsArtifactStore } from '../adapters/gcp/gcs.artifact-store.js';
import type { ArtifactStore } from '../ports/artifact-store.js';
import type { PipelineLaunchRequest } from '../ports/pipeline-launcher.js';
import { runPipeline } from '../ml/pipeline.js';
import { failed, succeeded } from '../ml/pipeline-result.js';
import { PIPELINE_PARAMETERS, TRAINER_STEPS, type TrainerStep } from '../ml/pipeline-spec.js';

/** The store that serves a URI's scheme. */
export function storeFor(uri: string): ArtifactStore {
  if (uri.startsWith('gs://')) return new GcsArtifactStore(uri.replace(/^(gs:\/\/[^/]+).*$/, '$1'));
  if (uri.startsWith('file://')) return new FsArtifactStore('/');
  throw new Error(`unsupported artifact URI ${uri}: expected gs:// or file://`);
}

/** Parse trainer flags into a step and a pipeline request. */
export function parseTrainerArgs(argv: string[]): { step: TrainerStep; request: PipelineLaunchRequest } {
  const flags = Object.fromEntries(
    Object.keys(PIPELINE_PARAMETERS).map((p) => [p.replace(/_/g, '-'), { type: 'string' as const }]),
  );
  const values = parseArgs({ args: argv, options: { step: { type: 'string' }, ...flags }, strict: true })
    .values as Record<string, string | undefined>;
  const get = (k: string): string => {
    const v = values[k];
    if (v === undefined || v === '') throw new Error(`missing --${k}`);
    return v;
  };
  const step = get('step') as TrainerStep;
  if (!TRAINER_STEPS.includes(step)) throw new Error(`--step must be one of ${TRAINER_STEPS.join(', ')}`);
  const contract = values['contract-uri'];
  return {
    step,
    request: {
      runId: get('run-id'),
      modelId: get('model-id'),
      correlationId: get('correlation-id'),
      dataUri: get('data-uri'),
      artifactUri: get('artifact-uri'),
      ...(contract ? { contractUri: contract } : {}),
      seed: Number(get('seed')),
      hyperparameters: JSON.parse(get('hyperparameters')) as Record<string, number>,
    },
  };
}

/** Run one component; returns the exit code. */
export async function main(argv: string[], log: (line: string) => void = console.log): Promise<number> {
  const startedAt = new Date();
  const { step, request } = parseTrainerArgs(argv);
  try {
    const output = await runPipeline(request, {
      store: storeFor(request.artifactUri),
      validateOnly: step === 'validate',
      onProgress: (event) => log(JSON.stringify({ severity: 'INFO', runId: request.runId, ...event })),
    });
    log(
      JSON.stringify({
        severity: 'INFO',
        message: `${step} succeeded`,
        completion: succeeded(request, output, startedAt),
      }),
    );
    return 0;
  } catch (err) {
    log(JSON.stringify({ severity: 'ERROR', message: `${step} failed`, completion: failed(request, err, startedAt) }));
    return 1;
  }
}

if (process.argv[1] && import.meta.url.endsWith(process.argv[1].replace(/\\/g, '/'))) {
  process.exitCode = await main(process.argv.slice(2));
}
