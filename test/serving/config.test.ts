import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ValidationError } from '../../shared/domain/errors.js';
import { SERVING_OPTIONS, explainRouteFor, loadServingConfig } from '../../shared/serving/config.js';

const LOGGING = { AIP_STORAGE_URI: 'gs://b/model', IPO_MODEL_VERSION: '1.2.0', GCP_PROJECT: 'p' };

function issues(env: Record<string, string>): { path: string; message: string }[] {
  try {
    loadServingConfig(env);
  } catch (err) {
    expect(err).toBeInstanceOf(ValidationError);
    expect(err).toMatchObject({ code: 'CONFIG.INVALID' });
    return (err as ValidationError).issues;
  }
  throw new Error('expected the configuration to be rejected');
}

describe('serving container configuration', () => {
  it("applies Vertex AI's port and local defaults for everything the platform does not set", () => {
    expect(loadServingConfig(LOGGING)).toEqual({
      httpPort: 8080,
      healthRoute: '/health',
      predictRoute: '/predict',
      storageUri: 'gs://b/model',
      endpointId: 'local',
      modelId: 'ipo-valuation',
      modelVersion: '1.2.0',
      predictionLog: 'bigquery',
      gcpProject: 'p',
      bigqueryDataset: 'ipo_mlops',
      batchSize: 500,
      flushIntervalMs: 1000,
      maxBuffered: 50_000,
      maxAttempts: 5,
      shutdownGraceMs: 20_000,
      logLevel: 'INFO',
    });
  });

  it('reads the Vertex AI variables', () => {
    const config = loadServingConfig({
      ...LOGGING,
      AIP_HTTP_PORT: '9000',
      AIP_HEALTH_ROUTE: '/v1/endpoints/1/deployedModels/2',
      AIP_PREDICT_ROUTE: '/v1/endpoints/1/deployedModels/2:predict',
      AIP_DEPLOYED_MODEL_ID: '2',
      AIP_ENDPOINT_ID: '1',
    });
    expect(config).toMatchObject({
      httpPort: 9000,
      healthRoute: '/v1/endpoints/1/deployedModels/2',
      predictRoute: '/v1/endpoints/1/deployedModels/2:predict',
      deployedModelId: '2',
      endpointId: '1',
    });
  });

  it('names every bad or missing variable at once', () => {
    expect(
      issues({ AIP_HTTP_PORT: 'eighty', AIP_PREDICT_ROUTE: 'predict', IPO_LOG_BATCH_SIZE: '0' }).map((i) => i.path),
    ).toEqual(['AIP_HTTP_PORT', 'AIP_PREDICT_ROUTE', 'AIP_STORAGE_URI', 'IPO_LOG_BATCH_SIZE']);
    expect(issues({ AIP_STORAGE_URI: 's3://b/model' })[0]).toEqual({
      path: 'AIP_STORAGE_URI',
      message: expect.stringMatching(/must be a gs:\/\/ or file:\/\/ URI \(got "s3:\/\/b\/model"/),
    });
  });

  it('requires the model version and project when logging to BigQuery, not when logging is off', () => {
    expect(issues({ AIP_STORAGE_URI: 'gs://b/m' })).toEqual([
      { path: 'IPO_MODEL_VERSION', message: expect.stringMatching(/records the version that served it/) },
      { path: 'GCP_PROJECT', message: expect.stringMatching(/required when IPO_PREDICTION_LOG=bigquery/) },
    ]);
    expect(loadServingConfig({ AIP_STORAGE_URI: 'gs://b/m', IPO_PREDICTION_LOG: 'off' })).toMatchObject({
      predictionLog: 'off',
      modelVersion: undefined,
    });
  });

  it('treats an empty variable as unset', () => {
    expect(loadServingConfig({ ...LOGGING, AIP_HTTP_PORT: '', AIP_DEPLOYED_MODEL_ID: '' })).toMatchObject({
      httpPort: 8080,
      deployedModelId: undefined,
    });
  });

  it('puts the explain route next to the predict route', () => {
    expect(explainRouteFor('/v1/endpoints/1/deployedModels/2:predict')).toBe(
      '/v1/endpoints/1/deployedModels/2:explain',
    );
    expect(explainRouteFor('/predict')).toBe('/explain');
    expect(explainRouteFor('/models/m/infer')).toBe('/models/m/infer:explain');
    expect(explainRouteFor('/v1/mypredict')).toBe('/v1/mypredict:explain');
  });

  it('knows every variable the uploader sets in containerSpec.env', () => {
    const envs = Object.values(SERVING_OPTIONS).map((o) => o.env);
    expect(envs).toEqual(
      expect.arrayContaining(['IPO_MODEL_ID', 'IPO_MODEL_VERSION', 'GCP_PROJECT', 'BIGQUERY_DATASET']),
    );
  });

  it('is documented: docs/serving.md lists every variable with its default', () => {
    const doc = readFileSync(new URL('../../docs/serving.md', import.meta.url), 'utf8');
    for (const option of Object.values(SERVING_OPTIONS)) {
      const row = doc.split('\n').find((l) => l.startsWith(`| \`${option.env}\` |`));
      expect(row, option.env).toBeDefined();
      if ('default' in option) expect(row, option.env).toContain(`\`${option.default}\``);
    }
  });
});
