/**
 * Issue 10 item 7: every Google client of the gcp composition can be pointed at a local fake by
 * configuration alone (IPO_*_API_ENDPOINT); a plain-http endpoint gets a placeholder token, never
 * credentials. Real clients (Vertex, Monitoring, BigQuery, Secret Manager) against one fake server.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../shared/config.js';
import { createGcpRuntime } from '../../shared/composition/gcp.js';
import { parseApiEndpoint } from '../../shared/adapters/gcp/endpoints.js';
import { crc32c } from '../../shared/adapters/gcp/secret-manager.secret-reader.js';
import { startFakeGcpServer, type FakeGcpServer } from '../support/fake-gcp-server.js';
import { DEMO, terraformEnv } from './terraform-env.js';

let server: FakeGcpServer;
beforeAll(async () => {
  server = await startFakeGcpServer();
});
afterAll(() => server.close());

const LOC = '/v1/projects/demo/locations/us-central1';
const secret = (value: string) => ({
  body: { payload: { data: Buffer.from(value).toString('base64'), dataCrc32c: String(crc32c(Buffer.from(value))) } },
});

/** The Terraform environment of an entry point, without the secret mounts, every client pointed at the fake. */
async function env(entryPoint: string): Promise<Record<string, string>> {
  const { COMMAND_SIGNING_KEY: _k, WEBHOOK_TOKEN: _w, ...rest } = await terraformEnv(entryPoint);
  return {
    ...rest,
    IPO_VERTEX_API_ENDPOINT: server.url,
    IPO_MONITORING_API_ENDPOINT: server.url,
    IPO_BIGQUERY_API_ENDPOINT: server.url,
    IPO_SECRET_MANAGER_API_ENDPOINT: server.url,
    IPO_STORAGE_API_ENDPOINT: server.url,
  };
}

describe('endpoint overrides', () => {
  it('parses roots: http is local (no credentials), https keeps credentials', () => {
    expect(parseApiEndpoint('http://127.0.0.1:9090/')).toEqual({
      url: 'http://127.0.0.1:9090',
      host: '127.0.0.1',
      port: 9090,
      protocol: 'http',
      local: true,
    });
    expect(parseApiEndpoint('https://us-central1-aiplatform.googleapis.com')).toMatchObject({
      port: 443,
      protocol: 'https',
      local: false,
    });
    expect(parseApiEndpoint(undefined)).toBeUndefined();
  });

  it('reads unmounted secrets from Secret Manager at cold start, in parallel, once each', async () => {
    server.on(
      'GET',
      '/v1/projects/demo/secrets/command-signing-key/versions/latest:access',
      secret('signing-key-from-secret-manager-0123456789'),
    );
    server.on(
      'GET',
      '/v1/projects/demo/secrets/drift-webhook-token/versions/latest:access',
      secret('webhook-token-from-secret-manager'),
    );
    const before = server.requests.length;
    const { deps, webhookToken } = await createGcpRuntime(loadConfig(await env('onDriftAlertWebhook')));
    expect(deps.settings.commandSigningKey).toBe('signing-key-from-secret-manager-0123456789');
    expect(webhookToken).toBe('webhook-token-from-secret-manager');
    const reads = server.requests.slice(before);
    expect(reads.map((r) => r.path).sort()).toEqual([
      '/v1/projects/demo/secrets/command-signing-key/versions/latest:access',
      '/v1/projects/demo/secrets/drift-webhook-token/versions/latest:access',
    ]);
    for (const r of reads) expect(r.headers.authorization).toBe('Bearer local-fake');
  });

  it('sends Vertex, Monitoring and BigQuery calls to the configured roots with the placeholder token', async () => {
    server.on('GET', `${LOC}/pipelineJobs/run-x`, {
      body: { name: `${LOC.slice(4)}/pipelineJobs/run-x`, state: 'PIPELINE_STATE_SUCCEEDED' },
    });
    server.on('GET', `${LOC}/endpoints/${DEMO.endpointId}`, {
      body: { name: `${LOC.slice(4)}/endpoints/${DEMO.endpointId}`, deployedModels: [], trafficSplit: {} },
    });
    server.on('POST', '/v3/projects/demo/metricDescriptors', { body: {} });
    server.on('POST', '/v3/projects/demo/timeSeries', { body: {} });
    server.on('POST', '/bigquery/v2/projects/demo/queries', {
      body: {
        kind: 'bigquery#queryResponse',
        jobComplete: true,
        jobReference: { projectId: 'demo', jobId: 'j1' },
        schema: { fields: [] },
        rows: [],
        totalRows: '0',
      },
    });

    const evalDeps = (await createGcpRuntime(loadConfig(await env('onEvalComplete')))).deps;
    expect(await evalDeps.launcher.status('run-x')).toEqual({ jobId: 'run-x', state: 'succeeded' });
    expect(await evalDeps.serving.currentSplit(evalDeps.settings.endpointId)).toEqual({});
    const drift = (await createGcpRuntime(loadConfig(await env('onDriftAlert')))).deps;
    await drift.metrics.write([
      {
        modelId: 'm',
        version: '1.0.0',
        metric: 'r2_on_actuals',
        labels: {},
        value: 0.8,
        at: '2024-06-01T00:00:00.000Z',
      },
    ]);
    expect(await drift.predictionLog.recent('m', { limit: 5 })).toEqual([]);

    const calls = [
      'GET /v1/projects/demo/locations/us-central1/pipelineJobs/run-x',
      `GET /v1/projects/demo/locations/us-central1/endpoints/${DEMO.endpointId}`,
      'POST /v3/projects/demo/metricDescriptors',
      'POST /v3/projects/demo/timeSeries',
      'POST /bigquery/v2/projects/demo/queries',
    ];
    for (const call of calls) {
      const [method, path] = call.split(' ');
      const seen = server.calls(method, path);
      expect(seen.length, call).toBeGreaterThan(0);
      expect(seen[0].headers.authorization, call).toBe('Bearer local-fake');
    }
  });
});
