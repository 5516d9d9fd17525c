/**
 * A stateful fake of the Vertex AI REST API the functions use (pipelineJobs, Model Registry, one
 * endpoint), on the shared fake server: it records each created pipeline job and answers
 * `pipelineJobs.get` with the state the test sets, uploads versions by alias, deploys, splits traffic
 * and undeploys like Vertex (long-running operations come back already done).
 */
import { googleError, startFakeGcpServer, type FakeGcpServer } from '../support/fake-gcp-server.js';

const TYPE = 'type.googleapis.com/google.cloud.aiplatform.v1.';

/** A pipeline job as created. */
export interface PipelineJob {
  id: string;
  state: string;
  /** Pipeline parameters (plain JSON in the REST body). */
  parameters: Record<string, unknown>;
  serviceAccount?: string;
  image?: string;
  /** The container steps of the pipeline spec, in DAG order: what Vertex would run. */
  steps: { name: string; command: string[]; args: string[] }[];
}

interface Spec {
  components: Record<string, { executorLabel: string }>;
  deploymentSpec: { executors: Record<string, { container: { image: string; command: string[]; args: string[] } }> };
  root: { dag: { tasks: Record<string, { componentRef: { name: string }; dependentTasks?: string[] }> } };
}

/** The container steps of a KFP PipelineSpec in dependency order. */
function steps(spec: Spec): PipelineJob['steps'] {
  const tasks = Object.entries(spec.root.dag.tasks);
  const done: string[] = [];
  while (done.length < tasks.length) {
    const ready = tasks.find(
      ([name, t]) => !done.includes(name) && (t.dependentTasks ?? []).every((d) => done.includes(d)),
    );
    if (!ready) throw new Error('pipeline spec has a dependency cycle');
    done.push(ready[0]);
  }
  return done.map((name) => {
    const container =
      spec.deploymentSpec.executors[spec.components[spec.root.dag.tasks[name].componentRef.name].executorLabel]
        .container;
    return { name, command: container.command, args: container.args };
  });
}

interface Deployed {
  id: string;
  model: string;
  displayName: string;
  serviceAccount?: string;
  dedicatedResources: Record<string, unknown>;
}

/** The fake, with its state. */
export interface FakeVertex {
  url: string;
  server: FakeGcpServer;
  jobs: Map<string, PipelineJob>;
  /** Uploaded versions by alias (`v1-0-0`) -> version id, and their container env. */
  uploads: Map<string, { versionId: string; artifactUri: string; imageUri: string }>;
  deployed: Deployed[];
  trafficSplit: Record<string, number>;
  /** The endpoint's live split by display name (`ipo-valuation@1.0.0`). */
  splitByVersion(): Record<string, number>;
  close(): Promise<void>;
}

/** Start the fake for one project, region and endpoint. */
export async function startFakeVertex(project: string, region: string, endpointId: string): Promise<FakeVertex> {
  const server = await startFakeGcpServer();
  const loc = `/v1/projects/${project}/locations/${region}`;
  const endpoint = `${loc}/endpoints/${endpointId}`;
  const done = (type: string, response: object) => ({
    body: {
      name: `${loc.slice(4)}/operations/op-${Date.now()}`,
      done: true,
      response: { '@type': TYPE + type, ...response },
    },
  });
  const fake: FakeVertex = {
    url: server.url,
    server,
    jobs: new Map(),
    uploads: new Map(),
    deployed: [],
    trafficSplit: {},
    splitByVersion: () =>
      Object.fromEntries(
        fake.deployed
          .filter((d) => (fake.trafficSplit[d.id] ?? 0) > 0)
          .map((d) => [d.displayName, fake.trafficSplit[d.id]]),
      ),
    close: () => server.close(),
  };
  let nextDeployed = 1;

  server.on('POST', `${loc}/pipelineJobs`, (req) => {
    const id = req.query.get('pipelineJobId') ?? '';
    if (fake.jobs.has(id)) return googleError(409, 'ALREADY_EXISTS', `PipelineJob ${id} already exists`);
    const body = req.body as {
      runtimeConfig: { parameterValues: Record<string, unknown> };
      serviceAccount?: string;
      pipelineSpec: Spec;
    };
    fake.jobs.set(id, {
      id,
      state: 'PIPELINE_STATE_RUNNING',
      parameters: body.runtimeConfig.parameterValues,
      serviceAccount: body.serviceAccount,
      image: Object.values(body.pipelineSpec.deploymentSpec.executors)[0]?.container.image,
      steps: steps(body.pipelineSpec),
    });
    return { body: { ...body, name: `${loc.slice(4)}/pipelineJobs/${id}`, state: 'PIPELINE_STATE_PENDING' } };
  });
  server.on('GET', new RegExp(`^${loc}/pipelineJobs/[^/]+$`), (req) => {
    const job = fake.jobs.get(req.path.split('/').pop() ?? '');
    if (!job) return googleError(404, 'NOT_FOUND', 'PipelineJob not found');
    return {
      body: {
        name: `${loc.slice(4)}/pipelineJobs/${job.id}`,
        state: job.state,
        runtimeConfig: { parameterValues: job.parameters },
      },
    };
  });

  server.on('GET', new RegExp(`^${loc}/models/[^/@]+(@.+)?$`), (req) => {
    const alias = /@(.+)$/.exec(req.path)?.[1];
    const name = `${loc.slice(4)}/models/${req.path.split('/').pop()?.split('@')[0] ?? ''}`;
    if (alias === undefined)
      return fake.uploads.size > 0
        ? { body: { name, versionId: '1' } }
        : googleError(404, 'NOT_FOUND', 'no such model');
    const upload = fake.uploads.get(alias);
    return upload
      ? { body: { name, versionId: upload.versionId } }
      : googleError(404, 'NOT_FOUND', `no version ${alias}`);
  });
  server.on('POST', `${loc}/models:upload`, (req) => {
    const body = req.body as {
      modelId?: string;
      parentModel?: string;
      model: { versionAliases: string[]; artifactUri: string; containerSpec: { imageUri: string } };
    };
    const versionId = String(fake.uploads.size + 1);
    fake.uploads.set(body.model.versionAliases[0], {
      versionId,
      artifactUri: body.model.artifactUri,
      imageUri: body.model.containerSpec.imageUri,
    });
    const id = body.modelId ?? body.parentModel?.split('/').pop() ?? 'model';
    return done('UploadModelResponse', { model: `${loc.slice(4)}/models/${id}`, modelVersionId: versionId });
  });

  server.on('GET', endpoint, () => ({
    body: { name: endpoint.slice(4), deployedModels: fake.deployed, trafficSplit: fake.trafficSplit },
  }));
  server.on('POST', `${endpoint}:deployModel`, (req) => {
    const body = req.body as { deployedModel: Omit<Deployed, 'id'>; trafficSplit: Record<string, number> };
    const id = `dm-${nextDeployed++}`;
    fake.deployed.push({ ...body.deployedModel, id });
    const { 0: share, ...rest } = body.trafficSplit;
    fake.trafficSplit = { ...rest, [id]: share };
    return done('DeployModelResponse', { deployedModel: { id } });
  });
  server.on('POST', `${endpoint}:undeployModel`, (req) => {
    const body = req.body as { deployedModelId: string; trafficSplit?: Record<string, number> };
    const given = Object.keys(body.trafficSplit ?? {}).length > 0 ? body.trafficSplit : undefined;
    if ((fake.trafficSplit[body.deployedModelId] ?? 0) > 0 && !given)
      return googleError(400, 'FAILED_PRECONDITION', 'model has traffic');
    fake.deployed = fake.deployed.filter((d) => d.id !== body.deployedModelId);
    const { [body.deployedModelId]: _gone, ...rest } = given ?? fake.trafficSplit;
    fake.trafficSplit = rest;
    return done('UndeployModelResponse', {});
  });
  server.on('POST', `${endpoint}:mutateDeployedModel`, (req) => {
    const body = req.body as { deployedModel: Pick<Deployed, 'id' | 'dedicatedResources'> };
    const target = fake.deployed.find((d) => d.id === body.deployedModel.id);
    if (!target) return googleError(404, 'NOT_FOUND', 'no such deployed model');
    target.dedicatedResources = { ...target.dedicatedResources, ...body.deployedModel.dedicatedResources };
    return done('MutateDeployedModelResponse', { deployedModel: target });
  });
  server.on('PATCH', endpoint, (req) => {
    fake.trafficSplit = (req.body as { trafficSplit: Record<string, number> }).trafficSplit;
    return { body: { name: endpoint.slice(4), trafficSplit: fake.trafficSplit } };
  });
  return fake;
}
