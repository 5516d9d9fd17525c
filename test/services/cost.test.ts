import { afterEach, describe, expect, it } from 'vitest';
import { COLLECTIONS } from '../../shared/domain/state.js';
import type { DesiredDeployment } from '../../shared/ports/model-serving.js';
import type { PredictionRecord } from '../../shared/ports/prediction-log.js';
import { denseSeries, recommendCapacity } from '../../shared/services/cost.service.js';
import { MODEL_ID, NOW, monitorFixture, version, type MonitorFixture } from './monitor-fixture.js';

const ENDPOINT = `${MODEL_ID}-endpoint`;
let fx: MonitorFixture | undefined;
afterEach(async () => {
  await fx?.close();
  fx = undefined;
});

/** A champion at 90 %, a canary at 10 %, and a retired version still deployed on the endpoint at 0 %. */
async function endpoint(): Promise<{
  f: MonitorFixture;
  applied: DesiredDeployment[];
  serving: {
    apply(d: DesiredDeployment): Promise<{ changed: boolean }>;
    currentSplit(): Promise<Record<string, number>>;
  };
}> {
  const f = await monitorFixture();
  fx = f;
  const uri = (v: string): string => f.stack.artifacts.uri(`runs/${v}`);
  await f.stack.store.createIfAbsent(COLLECTIONS.versions(MODEL_ID), '1.1.0', version('1.1.0', 'canary', uri('1.1.0')));
  await f.stack.store.createIfAbsent(
    COLLECTIONS.versions(MODEL_ID),
    '0.9.0',
    version('0.9.0', 'retired', uri('0.9.0')),
  );
  await f.stack.store.createIfAbsent(COLLECTIONS.deployments, ENDPOINT, {
    endpointId: ENDPOINT,
    modelId: MODEL_ID,
    split: { '1.0.0': 90, '1.1.0': 10 },
    artifacts: { '1.0.0': f.artifactUri, '1.1.0': uri('1.1.0') },
    revision: 3,
    history: [],
    updatedAt: NOW.toISOString(),
  });
  // Two hours at 2 requests/s (600 per 5-minute bucket), with one 4 requests/s bucket.
  const rows: PredictionRecord[] = [];
  for (let b = 0; b < 24; b++) {
    const n = b === 10 ? 1200 : 600;
    for (let i = 0; i < n; i++) {
      rows.push({
        requestId: `r-${b}-${i}`,
        modelId: MODEL_ID,
        version: '1.0.0',
        endpointId: ENDPOINT,
        features: {},
        prediction: 1,
        predictedAt: new Date(NOW.getTime() - (24 - b) * 300_000 + i * 10).toISOString(),
        latencyMs: 3,
      });
    }
  }
  await f.stack.predictionLog.record(rows);
  const applied: DesiredDeployment[] = [];
  const serving = {
    async apply(d: DesiredDeployment) {
      applied.push(d);
      return { changed: true };
    },
    async currentSplit() {
      return { '1.0.0': 90, '1.1.0': 10, '0.9.0': 0 };
    },
  };
  return { f, applied, serving };
}

describe('cost recommendation', () => {
  it('fills empty buckets with zero between the first and last request', () => {
    expect(
      denseSeries(
        [
          { at: '2024-01-01T00:00:00.000Z', count: 3 },
          { at: '2024-01-01T00:10:00.000Z', count: 1 },
        ],
        5,
        0,
      ).map((p) => p.count),
    ).toEqual([3, 0, 1]);
    expect(denseSeries([], 5, 42)).toEqual([{ timestampMs: 42, count: 0 }]);
  });

  it('dry run: returns the plan (champion sized for p95, challenger at minimum, retired undeployed) and applies nothing', async () => {
    const { f, applied, serving } = await endpoint();
    const r = await recommendCapacity({ ...f.stack.deps, serving }, MODEL_ID, { perReplicaCapacity: 1, dryRun: true });
    expect(r.plan.stats.average).toBeCloseTo(2.083, 2);
    expect(r.plan.stats.peak).toBe(4);
    expect(r.plan.recommendedReplicas).toBe(3); // ceil(p95 2.0 x 1.2 / 1)
    expect(r.plan.actions).toEqual([
      { kind: 'set_replicas', versionId: '1.0.0', replicas: 3, reason: expect.any(String) },
      { kind: 'set_replicas', versionId: '1.1.0', replicas: 1, reason: expect.any(String) },
      { kind: 'undeploy', versionId: '0.9.0', reason: expect.any(String) },
    ]);
    expect(r.desired).toMatchObject({
      split: { '1.0.0': 90, '1.1.0': 10 },
      replicas: { '1.0.0': { min: 3, max: 10 }, '1.1.0': { min: 1, max: 1 } },
    });
    expect(r.applied).toBeUndefined();
    expect(applied).toEqual([]);
  });

  it('apply: sends the same desired deployment, with replicas, through the serving port', async () => {
    const { f, applied, serving } = await endpoint();
    const r = await recommendCapacity({ ...f.stack.deps, serving }, MODEL_ID, { perReplicaCapacity: 1, dryRun: false });
    expect(r.applied).toEqual({ changed: true });
    expect(applied).toEqual([r.desired]);
    expect(Object.keys(applied[0].split)).not.toContain('0.9.0');
  });
});
