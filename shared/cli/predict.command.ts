/**
 * `ipo-mlops predict --model VERSION --input in.csv --output out.csv`: batch prediction with a
 * registered version's artifacts, read from the local platform's data directory (no platform needed).
 */
import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { openLocalTelemetry } from '../composition/cli.js';
import { loadConfig } from '../config.js';
import { errorMessage, formatIssues, ValidationError } from '../domain/errors.js';
import { COLLECTIONS, SCHEMAS } from '../domain/state.js';
import { predictCsv } from '../ml/batch-predict.js';
import { getDoc } from '../services/documents.js';
import type { CliCommand } from './command.js';

const help = `Usage: ipo-mlops predict --input IN.csv --output OUT.csv [--model VERSION] [options]

Predict every row of IN.csv with a registered version of the model and write OUT.csv: the input
columns plus predicted_<target> (and an error column for rows that cannot be
predicted; the exit code is then 1). Rows of the same company are read as its history in time order, exactly
as the endpoint serves them. Reads the artifacts from the platform's data directory; the platform
need not run.

Options:
  --input FILE       rows to predict, with the data contract's columns (the target may be absent) (required)
  --output FILE      where to write the predictions (required)
  --model VERSION    a version (e.g. 1.2.0), or production (default)
  --explain          add per-feature attribution columns (exact TreeSHAP for trees, sampled Shapley otherwise)
  --model-id ID      model id (default IPO_MODEL_ID or ipo-valuation)
  --gcp              submit a Vertex AI batch prediction job instead (needs --project and --model VERSION;
                     --input gs://…csv|jsonl, --output gs://bucket/prefix; a repeated submit finds the same job)
  --project P        Google Cloud project for --gcp
  --region R         Vertex AI region for --gcp (default GCP_REGION or us-central1)
  --data-dir DIR     the platform's data directory (default IPO_DATA_DIR or .ipo-mlops)
  --help             show this help`;

async function artifactUriOf(
  dataDir: string,
  modelId: string,
  version: string,
): Promise<{ uri: string; version: string }> {
  const local = openLocalTelemetry(dataDir);
  try {
    const model = await getDoc(local.store, SCHEMAS.ModelDoc, COLLECTIONS.models, modelId);
    if (!model) throw new Error(`model ${modelId} does not exist in ${dataDir}`);
    const wanted = version === 'production' ? model.championVersion : version;
    if (wanted === undefined) throw new Error(`model ${modelId} has no production version yet; pass --model VERSION`);
    const doc = await getDoc(local.store, SCHEMAS.VersionDoc, COLLECTIONS.versions(modelId), wanted);
    if (!doc)
      throw new Error(
        `--model: version ${wanted} of ${modelId} does not exist (versions: ${(model.versionList ?? []).join(', ') || 'none'})`,
      );
    return { uri: doc.artifactUri, version: wanted };
  } finally {
    await local.close();
  }
}

interface GcpArguments {
  input: string;
  output: string;
  model: string;
  project: string;
  region?: string;
  'model-id'?: string;
}

/** `--gcp`: a registered version, a CSV or JSONL in Cloud Storage, an output prefix in Cloud Storage. */
function checkGcpArguments(values: {
  input?: string;
  output?: string;
  model?: string;
  project?: string;
  explain?: boolean;
}): void {
  if (!values.project) throw new Error('--project P is required with --gcp');
  if (values.model === undefined || values.model === 'production')
    throw new Error('--model VERSION is required with --gcp (a version registered on Vertex AI)');
  if (!values.input?.startsWith('gs://'))
    throw new Error(`--input: with --gcp, a gs:// CSV or JSONL file, got "${values.input}"`);
  if (!values.output?.startsWith('gs://'))
    throw new Error(`--output: with --gcp, a gs://bucket/prefix for the results, got "${values.output}"`);
  if (values.explain) throw new Error("--explain is not available with --gcp (use the endpoint's :explain)");
}

/** Submit (idempotently) a Vertex AI batch prediction job and say where its results will be. */
async function submitOnGcp(values: GcpArguments, io: Parameters<CliCommand['run']>[1]): Promise<number> {
  try {
    const base = loadConfig();
    const config = { ...base, gcpProject: values.project, gcpRegion: values.region ?? base.gcpRegion };
    // Loaded lazily: only --gcp needs the Google Cloud clients.
    const { createGcpBatchPrediction } = await import('../composition/gcp.js');
    const batch = await createGcpBatchPrediction(config);
    try {
      const modelId = values['model-id'] ?? config.modelId;
      const job = await batch.submit({
        modelId,
        version: values.model,
        inputUri: values.input,
        outputUriPrefix: values.output,
      });
      io.out(
        `batch prediction job ${job.name} (${job.state}) for ${modelId} ${values.model}: ${values.input} -> ${values.output}`,
      );
      return job.state === 'failed' ? 1 : 0;
    } finally {
      await batch.close();
    }
  } catch (err) {
    io.err(err instanceof ValidationError ? `predict: ${formatIssues(err.issues)}` : `predict: ${errorMessage(err)}`);
    return 1;
  }
}

/** The `predict` command. */
export const predictCommand: CliCommand = {
  path: ['predict'],
  summary: 'Batch prediction of a CSV with a registered model version',
  help,
  async run(args, io) {
    let values;
    try {
      values = parseArgs({
        args,
        options: {
          input: { type: 'string' },
          output: { type: 'string' },
          explain: { type: 'boolean' },
          model: { type: 'string' },
          'model-id': { type: 'string' },
          'data-dir': { type: 'string' },
          gcp: { type: 'boolean' },
          project: { type: 'string' },
          region: { type: 'string' },
          help: { type: 'boolean' },
        },
        strict: true,
      }).values;
      if (values.help) return (io.out(help), 0);
      if (!values.input || !values.output) throw new Error('--input IN.csv and --output OUT.csv are required');
      if (values.model !== undefined && values.model !== 'production' && !/^\d+\.\d+\.\d+$/.test(values.model))
        throw new Error(`--model: expected a version like 1.2.0 or production, got "${values.model}"`);
      if (values.gcp) checkGcpArguments(values);
    } catch (err) {
      io.err(`predict: ${errorMessage(err)}\n\n${help}`);
      return 2;
    }
    if (values.gcp) return submitOnGcp(values as GcpArguments, io);
    try {
      const config = loadConfig();
      const dataDir = path.resolve(values['data-dir'] ?? config.dataDir);
      if (!existsSync(path.join(dataDir, 'state.db')))
        throw new Error(`${dataDir} has no state.db: is it the platform's data directory (--data-dir)?`);
      const modelId = values['model-id'] ?? config.modelId;
      const { uri, version } = await artifactUriOf(dataDir, modelId, values.model ?? 'production');
      const text = await readFile(values.input, 'utf8').catch((err: unknown) => {
        throw new Error(`--input ${values.input}: cannot read (${errorMessage(err)})`);
      });
      const local = openLocalTelemetry(dataDir);
      // Loaded lazily: only predict needs TensorFlow.js.
      const { loadServingModel } = await import('../ml/serving-model.js');
      const model = await loadServingModel(local.artifacts, uri).finally(() => local.close());
      try {
        const result = predictCsv(model, text, { explain: values.explain === true });
        await writeFile(values.output, result.csv);
        io.out(`wrote ${result.rows} predictions of ${modelId} ${version} to ${values.output}`);
        if (result.failed.length === 0) return 0;
        io.err(
          `predict: ${result.failed.length} rows not predicted (their error column says why), e.g. line ${result.failed[0].line}: ${formatIssues(result.failed[0].issues)}`,
        );
        return 1;
      } finally {
        model.dispose();
      }
    } catch (err) {
      io.err(
        err instanceof ValidationError
          ? `predict: ${values.input} is not valid input: ${formatIssues(err.issues)}`
          : `predict: ${errorMessage(err)}`,
      );
      return 1;
    }
  },
};
