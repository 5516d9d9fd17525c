/** Configuration: defaults, validation naming the variable, what each Google Cloud target requires. */
import { describe, expect, it } from 'vitest';
import { INGEST_ACTUALS_ENTRY_POINT, loadConfig, requiredGcpEnv, targetOf } from '../shared/config.js';
import { ValidationError } from '../shared/domain/errors.js';
import { DRIFT_WEBHOOK_ENTRY_POINT, FUNCTION_NAMES, entryPointOf } from '../shared/domain/topics.js';

const SECRET = 'projects/p/secrets/s/versions/latest';

/** Every variable each target requires, with a valid value. */
function fullGcpEnv(): Record<string, string> {
  return {
    IPO_BACKEND: 'gcp',
    GCP_PROJECT: 'p',
    ARTIFACT_BUCKET: 'a',
    PIPELINE_SERVICE_ACCOUNT: 'sa@p.iam.gserviceaccount.com',
    TRAINER_IMAGE: 'img',
    SERVING_IMAGE: 'serving-img',
    SERVING_SERVICE_ACCOUNT: 'serving@p.iam.gserviceaccount.com',
    BIGQUERY_DATASET: 'ds',
    VERTEX_ENDPOINT_ID: '1',
    WEBHOOK_TOKEN_SECRET: SECRET,
    COMMAND_SIGNING_KEY_SECRET: SECRET,
    IPO_APPROVERS: 'alice@example.com',
  };
}

function issuesOf(env: Record<string, string>): string[] {
  try {
    loadConfig(env);
  } catch (err) {
    expect(err).toBeInstanceOf(ValidationError);
    return (err as ValidationError).issues.map((i) => i.path).sort();
  }
  return [];
}

describe('loadConfig', () => {
  it('runs locally with no environment at all', () => {
    expect(loadConfig({})).toMatchObject({
      backend: 'local',
      modelId: 'ipo-valuation',
      port: 8080,
      dataDir: '.ipo-mlops',
      sqliteSynchronous: 'NORMAL',
      maxDeliveryAttempts: 5,
    });
  });

  it('names every bad variable and what it should be', () => {
    expect(issuesOf({ PORT: 'eighty', IPO_BACKEND: 'azure', IPO_MAX_DELIVERY_ATTEMPTS: '0' })).toEqual([
      'IPO_BACKEND',
      'IPO_MAX_DELIVERY_ATTEMPTS',
      'PORT',
    ]);
    expect(() => loadConfig({ PORT: 'eighty' })).toThrow(/PORT: .*got "eighty"/);
  });

  it('on the gcp backend without a target, requires what any function needs, naming each missing variable', () => {
    expect(() => loadConfig({ IPO_BACKEND: 'gcp' })).toThrow(/GCP_PROJECT: is required on the gcp backend/);
    expect(issuesOf({ IPO_BACKEND: 'gcp' })).toEqual([
      'ARTIFACT_BUCKET',
      'BIGQUERY_DATASET',
      'COMMAND_SIGNING_KEY_SECRET',
      'GCP_PROJECT',
      'IPO_APPROVERS',
      'PIPELINE_SERVICE_ACCOUNT',
      'SERVING_IMAGE',
      'SERVING_SERVICE_ACCOUNT',
      'TRAINER_IMAGE',
      'VERTEX_ENDPOINT_ID',
      'WEBHOOK_TOKEN_SECRET',
    ]);
    expect(loadConfig(fullGcpEnv())).toMatchObject({
      backend: 'gcp',
      gcpProject: 'p',
      gcpRegion: 'us-central1',
      vertexEndpointId: '1',
    });
  });

  it('a deployed function (FUNCTION_TARGET) needs only its own variables', () => {
    const common = {
      IPO_BACKEND: 'gcp',
      GCP_PROJECT: 'p',
      ARTIFACT_BUCKET: 'a',
      VERTEX_ENDPOINT_ID: '1',
      COMMAND_SIGNING_KEY_SECRET: SECRET,
      IPO_APPROVERS: 'alice@example.com',
    };
    expect(
      loadConfig({ ...common, FUNCTION_TARGET: 'onDriftAlert', BIGQUERY_DATASET: 'ds', WEBHOOK_TOKEN_SECRET: SECRET }),
    ).toMatchObject({ backend: 'gcp' });
    expect(issuesOf({ ...common, FUNCTION_TARGET: 'onPromotion' })).toEqual([
      'BIGQUERY_DATASET',
      'SERVING_IMAGE',
      'SERVING_SERVICE_ACCOUNT',
    ]);
    expect(issuesOf({ ...common, FUNCTION_TARGET: 'onDriftAlertWebhook', BIGQUERY_DATASET: 'ds' })).toEqual([
      'WEBHOOK_TOKEN_SECRET',
    ]);
    expect(issuesOf({ IPO_BACKEND: 'gcp', GCP_PROJECT: 'p', FUNCTION_TARGET: INGEST_ACTUALS_ENTRY_POINT })).toEqual([
      'BIGQUERY_DATASET',
    ]);
  });

  it('validates the shape of ids, secrets and endpoint overrides', () => {
    const env = {
      ...fullGcpEnv(),
      VERTEX_ENDPOINT_ID: 'ipo-valuation',
      WEBHOOK_TOKEN_SECRET: 'drift-webhook-token',
      IPO_VERTEX_API_ENDPOINT: 'ftp://x',
      IPO_BIGQUERY_API_ENDPOINT: 'http://127.0.0.1:9050',
    };
    expect(issuesOf(env)).toEqual(['IPO_VERTEX_API_ENDPOINT', 'VERTEX_ENDPOINT_ID', 'WEBHOOK_TOKEN_SECRET']);
    expect(
      loadConfig({ ...fullGcpEnv(), IPO_STORAGE_API_ENDPOINT: 'https://storage.example.com' }).storageApiEndpoint,
    ).toBe('https://storage.example.com');
  });
});

describe('targets', () => {
  it('maps every entry point to its target: the webhook belongs to on-drift-alert, ingestActuals is its own', () => {
    for (const fn of FUNCTION_NAMES) expect(targetOf(entryPointOf(fn))).toBe(fn);
    expect(targetOf(DRIFT_WEBHOOK_ENTRY_POINT)).toBe('on-drift-alert');
    expect(targetOf(INGEST_ACTUALS_ENTRY_POINT)).toBe('ingest-actuals');
    expect(targetOf('nope')).toBeUndefined();
  });

  it('requires the trainer image only where runs are launched, and the endpoint id in every function', () => {
    expect(requiredGcpEnv('on-new-data')).toEqual(
      expect.arrayContaining([
        'IPO_BACKEND',
        'GCP_PROJECT',
        'TRAINER_IMAGE',
        'PIPELINE_SERVICE_ACCOUNT',
        'VERTEX_ENDPOINT_ID',
      ]),
    );
    for (const fn of ['on-promotion', 'on-drift-alert'] as const)
      expect(requiredGcpEnv(fn)).not.toContain('TRAINER_IMAGE');
    for (const fn of FUNCTION_NAMES)
      expect(requiredGcpEnv(fn)).toEqual(
        expect.arrayContaining(['VERTEX_ENDPOINT_ID', 'COMMAND_SIGNING_KEY_SECRET', 'ARTIFACT_BUCKET']),
      );
    expect(requiredGcpEnv('on-drift-alert')).toContain('WEBHOOK_TOKEN_SECRET');
    expect(requiredGcpEnv('ingest-actuals').sort()).toEqual([
      'BIGQUERY_DATASET',
      'GCP_PROJECT',
      'GCP_REGION',
      'IPO_BACKEND',
    ]);
  });
});
