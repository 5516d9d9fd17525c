/** Configuration: defaults, validation naming the variable, what the gcp backend requires. */
import { describe, expect, it } from 'vitest';
import { loadConfig, requiredGcpEnv } from '../shared/config.js';
import { ValidationError } from '../shared/domain/errors.js';

describe('loadConfig', () => {
  it('runs locally with no environment at all', () => {
    expect(loadConfig({})).toMatchObject({ backend: 'local', modelId: 'ipo-valuation', port: 8080, dataDir: '.ipo-mlops', sqliteSynchronous: 'NORMAL', maxDeliveryAttempts: 5 });
  });

  it('names every bad variable and what it should be', () => {
    let err: unknown;
    try {
      loadConfig({ PORT: 'eighty', IPO_BACKEND: 'azure', IPO_MAX_DELIVERY_ATTEMPTS: '0' });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ValidationError);
    const paths = (err as ValidationError).issues.map((i) => i.path).sort();
    expect(paths).toEqual(['IPO_BACKEND', 'IPO_MAX_DELIVERY_ATTEMPTS', 'PORT']);
    expect((err as ValidationError).message).toMatch(/PORT: .*got "eighty"/);
  });

  it('on the gcp backend, requires what the functions need, naming each missing variable', () => {
    expect(() => loadConfig({ IPO_BACKEND: 'gcp' })).toThrow(/GCP_PROJECT: is required on the gcp backend/);
    const full = { IPO_BACKEND: 'gcp', GCP_PROJECT: 'p', ARTIFACT_BUCKET: 'a', LANDING_BUCKET: 'l', PIPELINE_SERVICE_ACCOUNT: 'sa@p.iam.gserviceaccount.com', TRAINER_IMAGE: 'img', BIGQUERY_DATASET: 'ds', VERTEX_ENDPOINT_ID: '1', WEBHOOK_TOKEN_SECRET: 'projects/p/secrets/t/versions/latest' };
    expect(loadConfig(full)).toMatchObject({ backend: 'gcp', gcpProject: 'p', gcpRegion: 'us-central1' });
  });

  it('a deployed function (FUNCTION_TARGET) needs only its own variables, as Terraform sets them', () => {
    const common = { IPO_BACKEND: 'gcp', GCP_PROJECT: 'p', ARTIFACT_BUCKET: 'a' };
    expect(loadConfig({ ...common, FUNCTION_TARGET: 'onPromotion', VERTEX_ENDPOINT_ID: '1' })).toMatchObject({ backend: 'gcp' });
    expect(() => loadConfig({ ...common, FUNCTION_TARGET: 'onPromotion' })).toThrow(/VERTEX_ENDPOINT_ID: is required/);
    expect(() => loadConfig({ ...common, FUNCTION_TARGET: 'onDriftAlertWebhook', VERTEX_ENDPOINT_ID: '1', BIGQUERY_DATASET: 'ds' })).toThrow(/WEBHOOK_TOKEN_SECRET: is required/);
  });

  it('lists per function the variables Terraform must set', () => {
    expect(requiredGcpEnv('on-new-data')).toEqual(expect.arrayContaining(['IPO_BACKEND', 'GCP_PROJECT', 'LANDING_BUCKET', 'TRAINER_IMAGE', 'PIPELINE_SERVICE_ACCOUNT']));
    expect(requiredGcpEnv('on-promotion')).not.toContain('LANDING_BUCKET');
    expect(requiredGcpEnv('on-drift-alert')).toContain('WEBHOOK_TOKEN_SECRET');
  });
});
