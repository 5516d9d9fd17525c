/**
 * The serving container as Vertex AI runs it: its entry point in a child process with the AIP_*
 * variables, a real trained model copied (as Vertex copies `artifactUri`) into a fake GCS, and the
 * prediction log streamed to a fake BigQuery through the real clients. The monitor's reader then
 * reads the logged predictions and joins the ingested actuals.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BigQueryPredictionLog } from '../../shared/adapters/gcp/bigquery.prediction-log.js';
import { GcsArtifactStore } from '../../shared/adapters/gcp/gcs.artifact-store.js';
import { loadServingModel, type ServingModel } from '../../shared/ml/serving-model.js';
import { recordActuals } from '../../shared/serving/actuals-ingestion.js';
import { staticAuthClient } from '../support/fake-gcp-server.js';
import { startFakeBigQuery, type FakeBigQuery } from '../support/fake-bigquery.js';
import { startFakeGcs, type FakeGcs } from '../support/fake-gcs.js';
import { eventually, spawnContainer, trainTinyModel, type ContainerProcess } from './container-process.js';

const HEALTH = '/v1/endpoints/123/deployedModels/456';
const PREDICT = `${HEALTH}:predict`;
const EXPLAIN = `${HEALTH}:explain`;
const STORAGE_URI = 'gs://vertex-staging/model-456';

let gcs: FakeGcs;
let bq: FakeBigQuery;
let panel: Record<string, string>[];
let reference: ServingModel;
let env: Record<string, string>;
let container: ContainerProcess | undefined;

beforeAll(async () => {
  [gcs, bq] = await Promise.all([startFakeGcs(), startFakeBigQuery()]);
  const store = new GcsArtifactStore('gs://training', { apiEndpoint: gcs.url, projectId: 'p' });
  panel = await trainTinyModel(store, 'gs://training/data/panel.csv', 'gs://training/runs/r1');
  // Vertex AI copies the model's artifactUri to a location of its own and points AIP_STORAGE_URI there.
  for (const [key, bytes] of [...gcs.objects]) {
    if (key.startsWith('training/runs/r1/'))
      gcs.objects.set(`vertex-staging/model-456/${key.slice('training/runs/r1/'.length)}`, bytes);
  }
  reference = await loadServingModel(
    new GcsArtifactStore('gs://vertex-staging', { apiEndpoint: gcs.url, projectId: 'p' }),
    STORAGE_URI,
  );
  env = {
    AIP_HEALTH_ROUTE: HEALTH,
    AIP_PREDICT_ROUTE: PREDICT,
    AIP_STORAGE_URI: STORAGE_URI,
    AIP_DEPLOYED_MODEL_ID: '456',
    AIP_ENDPOINT_ID: '123',
    AIP_MODE: 'PREDICTION',
    IPO_MODEL_ID: 'ipo-valuation',
    IPO_MODEL_VERSION: '1.2.0',
    GCP_PROJECT: 'p',
    BIGQUERY_DATASET: 'ds',
    IPO_BIGQUERY_API_ENDPOINT: bq.url,
    IPO_STORAGE_API_ENDPOINT: gcs.url,
    IPO_LOG_BATCH_SIZE: '3',
    IPO_LOG_FLUSH_MS: '600000',
  };
});

afterAll(async () => {
  if (container && container.child.exitCode === null) container.child.kill('SIGKILL');
  reference?.dispose();
  await Promise.all([gcs?.close(), bq?.close()]);
});

async function call(path: string, body?: unknown, headers: Record<string, string> = {}) {
  const res = await fetch(`${(container as ContainerProcess).url}${path}`, {
    method: body === undefined ? 'GET' : 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}
const errorOf = (r: { body: Record<string, unknown> }) =>
  r.body.error as { status: string; message: string; details: { path: string; message: string }[] };
const company = (id: string, n: number) => panel.filter((r) => r.company_id === id).slice(0, n);
const reader = () =>
  new BigQueryPredictionLog({
    projectId: 'p',
    dataset: 'ds',
    apiEndpoint: bq.url,
    authClient: staticAuthClient(),
    maxRetries: 0,
  });

describe('serving container process (AIP_* contract, fake GCS and BigQuery)', () => {
  it('listens at once, answers health 503 while the model loads from AIP_STORAGE_URI, then 200', async () => {
    gcs.hold();
    container = await spawnContainer(env);
    expect(await call(HEALTH)).toEqual({
      status: 503,
      body: { status: 'LOADING', modelId: 'ipo-valuation', version: '1.2.0', deployedModelId: '456' },
    });
    const early = await call(PREDICT, { instances: company('C00001', 1) });
    expect(early.status).toBe(503);
    gcs.release();
    const ready = await eventually(async () => {
      const res = await call(HEALTH);
      expect(res.status).toBe(200);
      return res;
    });
    expect(ready.body).toMatchObject({
      status: 'READY',
      modelId: 'ipo-valuation',
      version: '1.2.0',
      deployedModelId: '456',
    });
    const fetched = gcs.requests.filter((r) => r.query.get('alt') === 'media').map((r) => decodeURIComponent(r.path));
    expect(fetched).toEqual(
      expect.arrayContaining([
        '/storage/v1/b/vertex-staging/o/model-456/model-family.json',
        '/storage/v1/b/vertex-staging/o/model-456/preprocessing.json',
      ]),
    );
  });

  it("predicts in Vertex AI shape with the trained model's values and returns the ids actuals join on", async () => {
    const instances = company('C00005', 3);
    const res = await call(PREDICT, { instances, parameters: { requestId: 'req-a' } });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      deployedModelId: '456',
      metadata: { requestId: 'req-a', requestIds: ['req-a:0', 'req-a:1', 'req-a:2'], modelVersion: '1.2.0' },
    });
    const predictions = res.body.predictions as number[];
    const expected = reference.predict(instances);
    expect(predictions).toHaveLength(3);
    predictions.forEach((p, i) => expect(p).toBeCloseTo(expected[i], 6));
  });

  it('answers 400 naming the field for a bad body or a value the model cannot use', async () => {
    const empty = await call(PREDICT, {});
    expect(empty.status).toBe(400);
    expect(errorOf(empty).details).toEqual([{ path: 'instances', message: 'must be an array of objects' }]);
    const bad = await call(PREDICT, { instances: [{ ...company('C00002', 1)[0], revenue: 'lots' }] });
    expect(bad.status).toBe(400);
    expect(errorOf(bad)).toMatchObject({
      status: 'INVALID_ARGUMENT',
      details: [{ path: 'revenue', message: expect.stringContaining('"lots"') }],
    });
  });

  it('answers 400 naming a missing required field', async () => {
    const res = await call(PREDICT, { instances: [{}] });
    expect(res.status).toBe(400);
    expect(reference.requiredFields.length).toBeGreaterThan(0);
    const paths = errorOf(res).details.map((d) => d.path);
    expect(paths).toEqual(expect.arrayContaining(reference.requiredFields));
  });

  it('explains at the :explain sibling route (every model family has attributions; the 501 path is in container-server.test)', async () => {
    const instances = company('C00007', 2);
    const res = await call(EXPLAIN, { instances });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ deployedModelId: '456', predictions: [expect.any(Number), expect.any(Number)] });
    const explanations = res.body.explanations as {
      attributions: { featureAttributions: Record<string, number> }[];
    }[];
    expect(explanations).toHaveLength(2);
    expect(Object.keys(explanations[0].attributions[0].featureAttributions).length).toBeGreaterThan(0);
  });

  it('streams logged predictions to BigQuery in batches with the version, retrying a failed insert', async () => {
    await eventually(() => expect(bq.inserts).toHaveLength(1));
    bq.failNextInserts(1, 503);
    const served: Record<string, number> = {};
    for (const id of ['s1', 's2', 's3', 's4']) {
      const res = await call(PREDICT, { instances: company('C00009', 1) }, { 'x-request-id': id });
      served[id] = (res.body.predictions as number[])[0];
    }
    await eventually(() => expect(bq.rows('prediction_log')).toHaveLength(6));
    expect(bq.inserts.map((c) => [c.status, c.rows.map((r) => r.insertId)])).toEqual([
      [200, ['req-a:0', 'req-a:1', 'req-a:2']],
      [503, ['s1', 's2', 's3']],
      [200, ['s1', 's2', 's3']],
    ]);
    const rows = bq.rows('prediction_log');
    expect(new Set(rows.map((r) => `${r.model_id} ${r.model_version} ${r.endpoint_id}`))).toEqual(
      new Set(['ipo-valuation 1.2.0 123']),
    );
    expect(rows.find((r) => r.request_id === 's2')?.prediction).toBeCloseTo(served.s2, 9);
    expect(JSON.parse(String(rows.find((r) => r.request_id === 's2')?.features))).toEqual(company('C00009', 1)[0]);
    expect(
      container?.lines.some(
        (l) =>
          l.severity === 'WARNING' &&
          l.message ===
            'writing 3 predictions failed (attempt 1, retrying): BigQuery insert into prediction_log failed: forced 503',
      ),
    ).toBe(true);
    const recent = await reader().recent('ipo-valuation', { version: '1.2.0' });
    expect(recent.map((r) => r.requestId).sort()).toEqual(['req-a:0', 'req-a:1', 'req-a:2', 's1', 's2', 's3']);
  });

  it('on SIGTERM stops, writes the prediction still buffered, and exits 0', async () => {
    const running = container as ContainerProcess;
    running.child.kill('SIGTERM');
    expect(await running.exited).toBe(0);
    expect(bq.rows('prediction_log').map((r) => r.request_id)).toContain('s4');
    const messages = running.lines.map((l) => l.message);
    expect(messages, messages.join('\n')).toContain(
      'prediction log: 7 predictions written in 3 batches, 0 dropped, 0 rejected, 0 not written',
    );
    expect(messages[messages.length - 1]).toBe('stopped (SIGTERM)');
  });

  it("joins actuals ingested for the returned request ids in the monitor's queries", async () => {
    const result = await recordActuals(
      {
        actuals: [
          { requestId: 'req-a:0', actualValue: 1000 },
          { requestId: 's1', actualValue: 2000 },
          { requestId: 's4', actualValue: 3000 },
          { requestId: 'never-served', actualValue: 1 },
        ],
      },
      { log: reader(), modelId: 'ipo-valuation' },
    );
    expect(result).toEqual({ received: 4, matched: 3, unknownRequestIds: ['never-served'] });
    const labelled = await reader().labelled('ipo-valuation', { version: '1.2.0' });
    expect(labelled.map((r) => [r.requestId, r.actualValue]).sort()).toEqual([
      ['req-a:0', 1000],
      ['s1', 2000],
      ['s4', 3000],
    ]);
    const [arm] = await reader().armSummaries('ipo-valuation', {});
    expect(arm).toMatchObject({ version: '1.2.0', count: 3 });
  });

  it('exits 1 naming the variable when misconfigured, and when the model is not at AIP_STORAGE_URI', async () => {
    await expect(spawnContainer({ ...env, AIP_STORAGE_URI: '', IPO_LOG_BATCH_SIZE: 'many' })).rejects.toThrow(
      /AIP_STORAGE_URI: is required.*IPO_LOG_BATCH_SIZE: /,
    );
    const missing = await spawnContainer({ ...env, AIP_STORAGE_URI: 'gs://vertex-staging/nothing-here' });
    expect(await missing.exited).toBe(1);
    expect(missing.lines.find((l) => l.severity === 'ERROR')?.message).toMatch(
      /did not load: no artifact at gs:\/\/vertex-staging\/nothing-here\//,
    );
  });
});
