import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { VertexModelServing, integerSplit, versionAlias } from '../../shared/adapters/gcp/vertex.model-serving.js';
import { ValidationError } from '../../shared/domain/errors.js';
import type { DesiredDeployment } from '../../shared/ports/model-serving.js';
import {
  googleError,
  startFakeGcpServer,
  staticAuthClient,
  type FakeGcpServer,
  type RecordedRequest,
} from '../support/fake-gcp-server.js';

const LOC = '/v1/projects/p/locations/us-central1';
const ENDPOINT = `${LOC}/endpoints/ep`;
const TYPE = 'type.googleapis.com/google.cloud.aiplatform.v1.';

interface Deployed {
  id: string;
  model: string;
  displayName: string;
  dedicatedResources: { minReplicaCount: number; maxReplicaCount: number };
}

/** A stateful fake of the endpoint and the model registry, answering like Vertex's REST API. */
class FakeVertex {
  deployed: Deployed[] = [];
  trafficSplit: Record<string, number> = {};
  aliases = new Map<string, string>();
  parentExists = false;
  private next = 1;

  constructor(private readonly server: FakeGcpServer) {}

  install(): void {
    const s = this.server;
    s.on('GET', ENDPOINT, () => ({
      body: { name: ENDPOINT.slice(4), deployedModels: this.deployed, trafficSplit: this.trafficSplit },
    }));
    s.on('GET', /\/models\/ipo(@.+)?$/, (req) => {
      const alias = /@(.+)$/.exec(req.path)?.[1];
      const versionId = alias === undefined ? undefined : this.aliases.get(alias);
      if (alias === undefined ? !this.parentExists : versionId === undefined)
        return googleError(404, 'NOT_FOUND', 'no such model');
      return { body: { name: `${LOC.slice(4)}/models/ipo`, versionId: versionId ?? '1' } };
    });
    s.on('POST', `${LOC}/models:upload`, (req) => {
      const body = req.body as { model: { versionAliases: string[] } };
      const versionId = String(this.aliases.size + 1);
      this.aliases.set(body.model.versionAliases[0], versionId);
      this.parentExists = true;
      return done('UploadModelResponse', { model: `${LOC.slice(4)}/models/ipo`, modelVersionId: versionId });
    });
    s.on('POST', `${ENDPOINT}:deployModel`, (req) => {
      const body = req.body as { deployedModel: Omit<Deployed, 'id'>; trafficSplit: Record<string, number> };
      const id = `dm-${this.next++}`;
      this.deployed.push({ ...body.deployedModel, id });
      const { 0: share, ...rest } = body.trafficSplit;
      this.trafficSplit = { ...rest, [id]: share };
      return done('DeployModelResponse', { deployedModel: { id } });
    });
    s.on('POST', `${ENDPOINT}:undeployModel`, (req) => {
      const body = req.body as { deployedModelId: string; trafficSplit?: Record<string, number> };
      // An empty map is "not provided" in proto3 JSON, as Vertex reads it.
      const given = Object.keys(body.trafficSplit ?? {}).length > 0 ? body.trafficSplit : undefined;
      if ((this.trafficSplit[body.deployedModelId] ?? 0) > 0 && !given)
        return googleError(400, 'FAILED_PRECONDITION', 'model has traffic');
      this.deployed = this.deployed.filter((d) => d.id !== body.deployedModelId);
      const { [body.deployedModelId]: _gone, ...rest } = given ?? this.trafficSplit;
      this.trafficSplit = rest;
      return done('UndeployModelResponse', {});
    });
    s.on('POST', `${ENDPOINT}:mutateDeployedModel`, (req) => {
      const body = req.body as { deployedModel: Pick<Deployed, 'id' | 'dedicatedResources'> };
      const target = this.deployed.find((d) => d.id === body.deployedModel.id) as Deployed;
      target.dedicatedResources = { ...target.dedicatedResources, ...body.deployedModel.dedicatedResources };
      return done('MutateDeployedModelResponse', { deployedModel: target });
    });
    s.on('PATCH', ENDPOINT, (req) => {
      this.trafficSplit = (req.body as { trafficSplit: Record<string, number> }).trafficSplit;
      return { body: { name: ENDPOINT.slice(4), trafficSplit: this.trafficSplit } };
    });
  }

  /** Live versions by display name with their share and replicas. */
  state(): Record<string, [number, number, number]> {
    return Object.fromEntries(
      this.deployed.map((d) => [
        d.displayName,
        [
          this.trafficSplit[d.id] ?? 0,
          Number(d.dedicatedResources.minReplicaCount),
          Number(d.dedicatedResources.maxReplicaCount),
        ],
      ]),
    );
  }
}

/** A long-running operation that is already done (what the fake answers instead of polling). */
function done(type: string, response: object) {
  return {
    body: { name: `${LOC.slice(4)}/operations/op-1`, done: true, response: { '@type': TYPE + type, ...response } },
  };
}

let server: FakeGcpServer;
let vertex: FakeVertex;
let serving: VertexModelServing;

beforeAll(async () => {
  server = await startFakeGcpServer();
});
afterAll(async () => {
  await serving.close();
  await server.close();
});
beforeEach(async () => {
  await serving?.close();
  server.requests.length = 0;
  vertex = new FakeVertex(server);
  vertex.install();
  serving = new VertexModelServing({
    projectId: 'p',
    location: 'us-central1',
    servingImage: 'img',
    containerEnv: { BIGQUERY_DATASET: 'ds' },
    fallback: true,
    client: { apiEndpoint: '127.0.0.1', port: server.port, protocol: 'http', authClient: staticAuthClient() },
  });
});

const desired = (split: Record<string, number>, replicas?: DesiredDeployment['replicas']): DesiredDeployment => ({
  endpointId: 'ep',
  modelId: 'ipo',
  split,
  replicas,
  artifacts: { '1.0.0': 'gs://b/runs/1/model', '1.1.0': 'gs://b/runs/2/model' },
});
const mutations = (): string[] =>
  server.requests.filter((r) => r.method !== 'GET').map((r) => `${r.method} ${r.path.slice(LOC.length)}`);
const bodyOf = (method: string, path: string | RegExp): RecordedRequest['body'] => server.calls(method, path)[0]?.body;

describe('VertexModelServing (real clients, fake server)', () => {
  it('uploads the first version as a new model, deploys it with 100% and is idempotent', async () => {
    expect(await serving.apply(desired({ '1.0.0': 100 }))).toEqual({ changed: true });
    expect(mutations()).toEqual(['POST /models:upload', 'POST /endpoints/ep:deployModel', 'PATCH /endpoints/ep']);
    expect(bodyOf('POST', `${LOC}/models:upload`)).toMatchObject({
      modelId: 'ipo',
      model: {
        displayName: 'ipo',
        artifactUri: 'gs://b/runs/1/model',
        versionAliases: ['v1-0-0'],
        containerSpec: { imageUri: 'img' },
      },
    });
    // The serving container learns the model identity it logs predictions under from its environment.
    expect(
      (bodyOf('POST', `${LOC}/models:upload`) as { model: { containerSpec: { env: unknown[] } } }).model.containerSpec
        .env,
    ).toEqual([
      { name: 'BIGQUERY_DATASET', value: 'ds' },
      { name: 'IPO_MODEL_ID', value: 'ipo' },
      { name: 'IPO_MODEL_VERSION', value: '1.0.0' },
      { name: 'GCP_PROJECT', value: 'p' },
    ]);
    expect(bodyOf('POST', `${ENDPOINT}:deployModel`)).toMatchObject({
      trafficSplit: { 0: 100 },
      deployedModel: {
        model: 'projects/p/locations/us-central1/models/ipo@1',
        displayName: 'ipo@1.0.0',
        dedicatedResources: { minReplicaCount: 1, maxReplicaCount: 3 },
      },
    });
    expect(vertex.state()).toEqual({ 'ipo@1.0.0': [100, 1, 3] });
    server.requests.length = 0;
    expect(await serving.apply(desired({ '1.0.0': 100 }))).toEqual({ changed: false });
    expect(mutations()).toEqual([]);
    expect(await serving.currentSplit('ep')).toEqual({ '1.0.0': 100 });
  });

  it('deploys a canary as a new version of the parent model at minimum replicas, then promotes it and undeploys the old one', async () => {
    await serving.apply(desired({ '1.0.0': 100 }));
    server.requests.length = 0;
    await serving.apply(desired({ '1.0.0': 90, '1.1.0': 10 }));
    expect(mutations()).toEqual(['POST /models:upload', 'POST /endpoints/ep:deployModel', 'PATCH /endpoints/ep']);
    expect(bodyOf('POST', `${LOC}/models:upload`)).toMatchObject({
      parentModel: 'projects/p/locations/us-central1/models/ipo',
      model: { versionAliases: ['v1-1-0'] },
    });
    expect(bodyOf('POST', `${ENDPOINT}:deployModel`)).toMatchObject({ trafficSplit: { 'dm-1': 100, 0: 0 } });
    expect(server.calls('PATCH', ENDPOINT)[0].query.get('updateMask')).toBe('traffic_split');
    expect(vertex.state()).toEqual({ 'ipo@1.0.0': [90, 1, 3], 'ipo@1.1.0': [10, 1, 1] });
    expect(await serving.currentSplit('ep')).toEqual({ '1.0.0': 90, '1.1.0': 10 });

    server.requests.length = 0;
    await serving.apply(desired({ '1.0.0': 0, '1.1.0': 100 }));
    expect(mutations()).toEqual([
      'POST /endpoints/ep:mutateDeployedModel',
      'PATCH /endpoints/ep',
      'POST /endpoints/ep:undeployModel',
    ]);
    expect(vertex.state()).toEqual({ 'ipo@1.1.0': [100, 1, 3] });
  });

  it('uses explicit replica ranges and finds an already registered version by its alias', async () => {
    vertex.parentExists = true;
    vertex.aliases.set('v1-1-0', '7');
    await serving.apply(desired({ '1.1.0': 100 }, { '1.1.0': { min: 2, max: 5 } }));
    expect(mutations()).toEqual(['POST /endpoints/ep:deployModel', 'PATCH /endpoints/ep']);
    expect(bodyOf('POST', `${ENDPOINT}:deployModel`)).toMatchObject({
      deployedModel: { model: 'projects/p/locations/us-central1/models/ipo@7' },
    });
    expect(vertex.state()).toEqual({ 'ipo@1.1.0': [100, 2, 5] });
  });

  it('compensates a failed traffic update: the new deployment is undeployed and the previous split stays', async () => {
    await serving.apply(desired({ '1.0.0': 100 }));
    server.on('PATCH', ENDPOINT, googleError(400, 'INVALID_ARGUMENT', 'traffic split rejected'));
    server.requests.length = 0;
    const err = await serving.apply(desired({ '1.0.0': 80, '1.1.0': 20 })).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'SERVING.VERTEX_REJECTED', retryable: false });
    expect((err as Error).message).toMatch(/update traffic split failed/);
    expect(mutations()).toEqual([
      'POST /models:upload',
      'POST /endpoints/ep:deployModel',
      'PATCH /endpoints/ep',
      'POST /endpoints/ep:undeployModel',
    ]);
    expect(bodyOf('POST', `${ENDPOINT}:undeployModel`)).toMatchObject({
      deployedModelId: 'dm-2',
      trafficSplit: { 'dm-1': 100 },
    });
    expect(vertex.state()).toEqual({ 'ipo@1.0.0': [100, 1, 3] });
  });

  it('reports an undo that failed too, keeping the original cause in the message', async () => {
    await serving.apply(desired({ '1.0.0': 100 }));
    server.on('PATCH', ENDPOINT, googleError(400, 'INVALID_ARGUMENT', 'traffic split rejected'));
    server.on('POST', `${ENDPOINT}:undeployModel`, googleError(503, 'UNAVAILABLE', 'try later'));
    const err = await serving.apply(desired({ '1.0.0': 80, '1.1.0': 20 })).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'SERVING.COMPENSATION_INCOMPLETE', retryable: true });
    expect((err as Error).message).toMatch(/traffic split rejected.*undo deploy 1\.1\.0: .*try later/);
  });

  it('rejects an invalid split before calling Vertex', async () => {
    await expect(serving.apply(desired({ '1.0.0': 70, '1.1.0': 20 }))).rejects.toThrow(/must sum to 100, got 90/);
    expect(server.requests).toEqual([]);
  });
});

describe('integerSplit and versionAlias', () => {
  it('rounds to integer percentages summing to 100 by largest remainder and drops 0%', () => {
    expect(integerSplit({ a: 33.4, b: 33.3, c: 33.3, d: 0 })).toEqual({ a: 34, b: 33, c: 33 });
    expect(integerSplit({ a: 99.5, b: 0.5 })).toEqual({ a: 100 });
    expect(integerSplit({})).toEqual({});
    expect(() => integerSplit({ a: -1, b: 101 })).toThrow(ValidationError);
  });

  it('turns a semver into a registry alias', () => {
    expect(versionAlias('1.2.3')).toBe('v1-2-3');
    expect(versionAlias('2.0.0-rc.1')).toBe('v2-0-0-rc-1');
  });
});
