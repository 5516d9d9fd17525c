import { execFile } from 'node:child_process';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { OAuth2Client } from 'google-auth-library';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mapPipelineState, VertexPipelineLauncher } from '../../shared/adapters/gcp/vertex.pipeline-launcher.js';

interface Seen {
  method: string;
  path: string;
  query: URLSearchParams;
  body: Record<string, unknown>;
}

const seen: Seen[] = [];
const created = new Set<string>();
let server: Server;
let port = 0;

async function bodyOf(req: IncomingMessage): Promise<Record<string, unknown>> {
  let text = '';
  for await (const chunk of req) text += String(chunk);
  return text ? (JSON.parse(text) as Record<string, unknown>) : {};
}

beforeAll(async () => {
  server = createServer((req, res) => {
    void bodyOf(req).then((body) => {
      const url = new URL(req.url ?? '/', 'http://x');
      seen.push({ method: req.method ?? '', path: url.pathname, query: url.searchParams, body });
      const send = (status: number, json: unknown): void => {
        res.writeHead(status, { 'content-type': 'application/json' });
        res.end(JSON.stringify(json));
      };
      const base = '/v1/projects/p/locations/us-central1/pipelineJobs';
      if (req.method === 'POST' && url.pathname === base) {
        const id = url.searchParams.get('pipelineJobId') ?? '';
        if (created.has(id))
          return send(409, {
            error: { code: 409, message: `PipelineJob ${id} already exists`, status: 'ALREADY_EXISTS' },
          });
        created.add(id);
        return send(200, { ...body, name: `${base.slice(4)}/${id}`, state: 1 });
      }
      if (req.method === 'GET' && url.pathname === `${base}/run-1`) {
        return send(200, {
          name: 'x',
          state: 5,
          error: { code: 3, message: 'component train failed' },
          runtimeConfig: { parameterValues: { artifact_uri: 'gs://b/runs/run-1' } },
        });
      }
      if (req.method === 'GET' && url.pathname === `${base}/run-2`)
        return send(200, { name: 'y', state: 'PIPELINE_STATE_RUNNING' });
      if (req.method === 'GET' && url.pathname === `${base}/run-503`)
        return send(503, { error: { code: 503, message: 'backend unavailable', status: 'UNAVAILABLE' } });
      return send(404, { error: { code: 404, message: 'not found', status: 'NOT_FOUND' } });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as AddressInfo).port;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

function launcher(): VertexPipelineLauncher {
  const authClient = new OAuth2Client({ credentials: { access_token: 'test', expiry_date: Date.now() + 3600e3 } });
  return new VertexPipelineLauncher({
    project: 'p',
    location: 'us-central1',
    trainerImage: 'us-docker.pkg.dev/p/ipo/trainer:abc',
    serviceAccount: 'pipelines@p.iam.gserviceaccount.com',
    clientOptions: { apiEndpoint: '127.0.0.1', port, protocol: 'http', fallback: true, authClient } as never,
  });
}

const request = {
  runId: 'run-1',
  modelId: 'ipo-valuation',
  correlationId: 'corr-9',
  dataUri: 'gs://land/panel.csv',
  artifactUri: 'gs://b/runs/run-1',
  hyperparameters: { epochs: 50, learningRate: 0.001 },
  seed: 42,
  labels: { trigger: 'Drift' },
};

describe('VertexPipelineLauncher through the real client (REST fallback) and a fake server', () => {
  it('creates the pipeline job with the run id, labels, parameters and the KFP spec', async () => {
    expect(await launcher().launch(request)).toEqual({ jobId: 'run-1', alreadyExisted: false });
    const call = seen.find((s) => s.method === 'POST');
    expect(call?.path).toBe('/v1/projects/p/locations/us-central1/pipelineJobs');
    expect(call?.query.get('pipelineJobId')).toBe('run-1');
    const job = call?.body as {
      labels: unknown;
      runtimeConfig: { gcsOutputDirectory: string; parameterValues: Record<string, unknown> };
      pipelineSpec: Record<string, unknown>;
      serviceAccount: string;
    };
    expect(job.labels).toEqual({ 'model-id': 'ipo-valuation', 'run-id': 'run-1', trigger: 'drift' });
    expect(job.serviceAccount).toBe('pipelines@p.iam.gserviceaccount.com');
    expect(job.runtimeConfig.gcsOutputDirectory).toBe('gs://b/runs/run-1/pipeline-root');
    expect(job.runtimeConfig.parameterValues).toEqual({
      run_id: 'run-1',
      model_id: 'ipo-valuation',
      correlation_id: 'corr-9',
      data_uri: 'gs://land/panel.csv',
      contract_uri: '',
      artifact_uri: 'gs://b/runs/run-1',
      seed: 42,
      hyperparameters: '{"epochs":50,"learningRate":0.001}',
    });
    const spec = job.pipelineSpec as {
      schemaVersion: string;
      deploymentSpec: { executors: Record<string, { container: { image: string; args: string[] } }> };
      root: { dag: { tasks: Record<string, { dependentTasks?: string[] }> } };
    };
    expect(spec.schemaVersion).toBe('2.1.0');
    expect(spec.deploymentSpec.executors['exec-train'].container.image).toBe('us-docker.pkg.dev/p/ipo/trainer:abc');
    expect(spec.deploymentSpec.executors['exec-train'].container.args.slice(0, 4)).toEqual([
      '--step',
      'train',
      '--run-id',
      "{{$.inputs.parameters['run_id']}}",
    ]);
    expect(spec.root.dag.tasks.train.dependentTasks).toEqual(['validate']);
  });

  it('treats ALREADY_EXISTS as an idempotent relaunch', async () => {
    expect(await launcher().launch(request)).toEqual({ jobId: 'run-1', alreadyExisted: true });
  });

  it('reads the job state, artifact URI and error; unknown jobs are undefined; outages are transient', async () => {
    const l = launcher();
    expect(await l.status('run-1')).toEqual({
      jobId: 'run-1',
      state: 'failed',
      artifactUri: 'gs://b/runs/run-1',
      error: 'component train failed',
    });
    const get = seen.filter((s) => s.method === 'GET').at(-1);
    expect(get?.path).toBe('/v1/projects/p/locations/us-central1/pipelineJobs/run-1');
    expect(await l.status('run-2')).toEqual({ jobId: 'run-2', state: 'running' });
    expect(await l.status('nope')).toBeUndefined();
    await expect(l.status('run-503')).rejects.toMatchObject({ code: 'PIPELINE.UNAVAILABLE', retryable: true });
  });

  it('reads the state over REST without loading the generated client (the cold path); no answer at all is transient', async () => {
    // A fresh process: this file's other tests load @google-cloud/aiplatform for launch.
    const adapter = fileURLToPath(new URL('../../shared/adapters/gcp/vertex.pipeline-launcher.ts', import.meta.url));
    const script = `
      import { createRequire } from 'node:module';
      import { OAuth2Client } from 'google-auth-library';
      const { VertexPipelineLauncher } = await import(${JSON.stringify(adapter)});
      const authClient = new OAuth2Client({ credentials: { access_token: 't', expiry_date: Date.now() + 3600e3 } });
      const launcher = new VertexPipelineLauncher({ project: 'p', location: 'us-central1', clientOptions: { apiEndpoint: '127.0.0.1', port: 9, protocol: 'http', fallback: true, authClient } });
      const error = await launcher.status('run-1').then(() => undefined, (e) => ({ code: e.code, retryable: e.retryable }));
      const loaded = Object.keys(createRequire(import.meta.url).cache).filter((k) => k.includes('@google-cloud/aiplatform/')).length;
      console.log(JSON.stringify({ error, loaded }));`;
    const { stdout } = await promisify(execFile)(
      process.execPath,
      ['--import', 'tsx', '--input-type=module', '-e', script],
      { timeout: 60_000 },
    );
    expect(JSON.parse(stdout.trim().split('\n').pop() ?? '{}')).toEqual({
      error: { code: 'PIPELINE.UNAVAILABLE', retryable: true },
      loaded: 0,
    });
  }, 60_000);

  it('maps every Vertex state', () => {
    expect([1, 2, 3, 4, 5, 6, 7, 8].map(mapPipelineState)).toEqual([
      'queued',
      'queued',
      'running',
      'succeeded',
      'failed',
      'running',
      'cancelled',
      'running',
    ]);
    expect(mapPipelineState('PIPELINE_STATE_CANCELLED')).toBe('cancelled');
  });
});
