/** VertexBatchPrediction through the real JobServiceClient (REST fallback) against a fake Vertex. */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { VertexBatchPrediction, mapJobState } from '../../shared/adapters/gcp/vertex.batch-prediction.js';
import { googleError, startFakeGcpServer, staticAuthClient, type FakeGcpServer } from '../support/fake-gcp-server.js';

const JOBS = '/v1/projects/p/locations/us-central1/batchPredictionJobs';
let server: FakeGcpServer;
let stored: Record<string, unknown>[] = [];

beforeAll(async () => {
  server = await startFakeGcpServer();
  server.on('GET', JOBS, (req) => {
    const key = /labels\.request-key="([^"]+)"/.exec(req.query.get('filter') ?? '')?.[1];
    return {
      body: { batchPredictionJobs: stored.filter((j) => (j.labels as Record<string, string>)['request-key'] === key) },
    };
  });
  server.on('POST', JOBS, (req) => {
    const body = req.body as { model: string };
    if (body.model.endsWith('@v9-9-9')) return googleError(404, 'NOT_FOUND', `Model ${body.model} not found`);
    const job = { ...(req.body as object), name: `${JOBS.slice(4)}/${stored.length + 1}`, state: 'JOB_STATE_PENDING' };
    stored.push(job);
    return { body: job };
  });
  server.on('GET', `${JOBS}/1`, {
    body: {
      name: `${JOBS.slice(4)}/1`,
      state: 4,
      outputInfo: { gcsOutputDirectory: 'gs://out/preds/prediction-ipo-2024' },
      completionStats: { successfulCount: '998', failedCount: '2' },
    },
  });
});
afterAll(() => server.close());
beforeEach(() => {
  stored = [];
  server.requests.length = 0;
});

const batch = () =>
  new VertexBatchPrediction({
    projectId: 'p',
    location: 'us-central1',
    serviceAccount: 'ipo-serving@p.iam.gserviceaccount.com',
    client: {
      apiEndpoint: '127.0.0.1',
      port: server.port,
      protocol: 'http',
      fallback: true,
      authClient: staticAuthClient(),
    },
  });
const request = {
  modelId: 'ipo-valuation',
  version: '1.2.0',
  inputUri: 'gs://in/ipos-2024.csv',
  outputUriPrefix: 'gs://out/preds',
};

describe('VertexBatchPrediction', () => {
  it('creates a job on the registered version: CSV rows as objects, JSONL out, the serving identity, a request key', async () => {
    const job = await batch().submit(request);
    expect(job).toEqual({
      name: 'projects/p/locations/us-central1/batchPredictionJobs/1',
      state: 'queued',
      alreadyExisted: false,
    });
    const body = server.calls('POST', JOBS)[0].body as Record<string, unknown>;
    expect(body).toMatchObject({
      model: 'projects/p/locations/us-central1/models/ipo-valuation@v1-2-0',
      inputConfig: { instancesFormat: 'csv', gcsSource: { uris: ['gs://in/ipos-2024.csv'] } },
      instanceConfig: { instanceType: 'object' },
      outputConfig: { predictionsFormat: 'jsonl', gcsDestination: { outputUriPrefix: 'gs://out/preds' } },
      dedicatedResources: {
        machineSpec: { machineType: 'n1-standard-2' },
        startingReplicaCount: 1,
        maxReplicaCount: 2,
      },
      serviceAccount: 'ipo-serving@p.iam.gserviceaccount.com',
      labels: {
        'model-id': 'ipo-valuation',
        'model-version': 'v1-2-0',
        'request-key': expect.stringMatching(/^[0-9a-f]{32}$/),
      },
    });
  });

  it('is idempotent: the same request finds the job it started instead of starting another', async () => {
    const first = await batch().submit(request);
    const again = await batch().submit(request);
    expect(again).toMatchObject({ name: first.name, alreadyExisted: true });
    expect(server.calls('POST', JOBS)).toHaveLength(1);
    expect(server.calls('GET', JOBS)[0].query.get('filter')).toMatch(/^labels\.request-key="[0-9a-f]{32}"$/);
    await batch().submit({ ...request, inputUri: 'gs://in/ipos-2025.jsonl' });
    expect(server.calls('POST', JOBS)).toHaveLength(2);
    expect((server.calls('POST', JOBS)[1].body as { inputConfig: unknown }).inputConfig).toMatchObject({
      instancesFormat: 'jsonl',
    });
  });

  it('reads state, output directory and counts', async () => {
    expect(await batch().status('projects/p/locations/us-central1/batchPredictionJobs/1')).toEqual({
      name: 'projects/p/locations/us-central1/batchPredictionJobs/1',
      state: 'succeeded',
      outputDirectory: 'gs://out/preds/prediction-ipo-2024',
      counts: { succeeded: 998, failed: 2 },
    });
    expect([1, 3, 4, 5, 7, 9, 11].map(mapJobState)).toEqual([
      'queued',
      'running',
      'succeeded',
      'failed',
      'cancelled',
      'failed',
      'succeeded',
    ]);
  });

  it('says which version is missing from the registry, and rejects bad requests before any call', async () => {
    await expect(batch().submit({ ...request, version: '9.9.9' })).rejects.toMatchObject({
      code: 'PREDICT.MODEL_NOT_REGISTERED',
      retryable: false,
      message: expect.stringContaining('ipo-valuation@v9-9-9'),
    });
    server.requests.length = 0;
    await expect(
      batch().submit({ ...request, inputUri: 'file:///x.parquet', outputUriPrefix: 's3://x', maxReplicas: 0 }),
    ).rejects.toMatchObject({
      code: 'PREDICT.BATCH_INVALID',
      issues: [
        expect.objectContaining({ path: 'inputUri' }),
        expect.objectContaining({ path: 'outputUriPrefix' }),
        expect.objectContaining({ path: 'maxReplicas' }),
      ],
    });
    expect(server.requests).toEqual([]);
  });
});
