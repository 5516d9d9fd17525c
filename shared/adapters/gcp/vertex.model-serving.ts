/**
 * Vertex AI adapter of the serving port. A semver maps to a Model Registry version by the alias
 * `v1-2-3` (uploaded under the model `<modelId>` with `parentModel` once the model exists) and to a
 * deployed model by its display name `<modelId>@1.2.3`.
 *
 * `apply` reads the endpoint first and does only what differs (check-then-act):
 *   1. deploy each version that gains traffic (at 0% next to the live split), challengers at minimum replicas;
 *   2. resize deployed versions whose replica range changed (`mutateDeployedModel`);
 *   3. set the traffic split (`updateEndpoint`, integer percentages);
 *   4. undeploy our versions left without traffic.
 * Steps 1-3 push their undo on a compensation list; a failure runs the undos in reverse (the previous
 * split is restored, new deployments undeployed) and rethrows. Step 4 runs once the new split is live:
 * a failure there leaves an idle deployment, reported as SERVING.CLEANUP_INCOMPLETE, which the next
 * (idempotent) apply finishes.
 */
import type { protos, v1 } from '@google-cloud/aiplatform';
import { PermanentError, TransientError, ValidationError, errorMessage, type Issue } from '../../domain/errors.js';
import type { DesiredDeployment, ModelServing } from '../../ports/model-serving.js';
import { GRPC, lazy, type Lazy } from './lazy.js';
import { googleStatusCode, isRetryableStatus, type GcpClientOptions } from './monitoring.metrics-sink.js';

type IDeployedModel = protos.google.cloud.aiplatform.v1.IDeployedModel;

/** A replica range of one deployed version. */
export interface Replicas {
  min: number;
  max: number;
}

/** Options of {@link VertexModelServing}. */
export interface VertexModelServingOptions {
  projectId: string;
  location: string;
  /** Serving container for uploaded versions; default `<location>-docker.pkg.dev/<project>/ipo-mlops/serving:latest`. */
  servingImage?: string;
  /** Extra environment of the serving container (e.g. `BIGQUERY_DATASET`), next to the model identity set on every upload. */
  containerEnv?: Record<string, string>;
  /** Default `n1-standard-2`. */
  machineType?: string;
  /** Service account the serving containers run as (it writes the prediction log); default Vertex's own. */
  serviceAccount?: string;
  /** Replicas of the version with the largest share when the deployment gives none; default 1..3 (others 1..1). */
  championReplicas?: Replicas;
  /** Use the REST transport (default false: gRPC). */
  fallback?: boolean;
  client?: GcpClientOptions;
}

interface Clients {
  models: v1.ModelServiceClient;
  endpoints: v1.EndpointServiceClient;
}
interface Ours {
  id: string;
  version: string;
  replicas: Replicas;
}
interface Step {
  what: string;
  undo?: () => Promise<unknown>;
}

/** Model serving on a Vertex AI endpoint. */
export class VertexModelServing implements ModelServing {
  private readonly clients: Lazy<Clients>;
  private readonly parent: string;

  constructor(private readonly options: VertexModelServingOptions) {
    this.parent = `projects/${options.projectId}/locations/${options.location}`;
    this.clients = lazy(async () => {
      const { v1: vertex } = await import('@google-cloud/aiplatform');
      const opts = {
        apiEndpoint: `${options.location}-aiplatform.googleapis.com`,
        ...options.client,
        fallback: options.fallback ?? false,
      } as ConstructorParameters<typeof vertex.EndpointServiceClient>[0];
      return { models: new vertex.ModelServiceClient(opts), endpoints: new vertex.EndpointServiceClient(opts) };
    });
  }

  /** Make the endpoint serve `desired.split`; `changed: false` when it already does. */
  async apply(desired: DesiredDeployment): Promise<{ changed: boolean }> {
    const target = integerSplit(desired.split);
    const { endpoints } = await this.clients.get();
    const endpoint = this.endpointName(desired.endpointId);
    const wantReplicas = (version: string): Replicas =>
      desired.replicas?.[version] ?? this.defaultReplicas(target, version);
    const [live] = await call('read endpoint', () => endpoints.getEndpoint({ name: endpoint }));
    const ours = deployedVersions(live.deployedModels ?? [], desired.modelId);
    const before = { ...(live.trafficSplit ?? {}) } as Record<string, number>;
    const toDeploy = Object.keys(target).filter((v) => !ours.has(v));
    const toResize = [...ours.values()].filter(
      (d) => target[d.version] !== undefined && !sameReplicas(d.replicas, wantReplicas(d.version)),
    );
    const retired = [...ours.values()].filter((d) => target[d.version] === undefined);
    const ids = new Map([...ours.values()].map((d) => [d.version, d.id]));
    const split = (): Record<string, number> =>
      Object.fromEntries(Object.entries(target).map(([v, pct]) => [ids.get(v) as string, pct]));
    if (toDeploy.length === 0 && toResize.length === 0 && retired.length === 0 && sameSplit(before, split()))
      return { changed: false };

    const steps: Step[] = [];
    let current = before;
    try {
      for (const version of toDeploy) {
        const model = await this.modelVersion(desired.modelId, version, desired.artifacts[version]);
        const previous = current;
        const { id, split: after } = await this.deploy(
          endpoint,
          desired.modelId,
          version,
          model,
          wantReplicas(version),
          previous,
        );
        ids.set(version, id);
        current = after;
        steps.push({ what: `deploy ${version}`, undo: () => this.undeploy(endpoint, id, previous) });
      }
      for (const d of toResize) {
        await this.resize(endpoint, d.id, wantReplicas(d.version));
        steps.push({ what: `resize ${d.version}`, undo: () => this.resize(endpoint, d.id, d.replicas) });
      }
      const previous = current;
      await this.setSplit(endpoint, split());
      steps.push({ what: 'set traffic split', undo: () => this.setSplit(endpoint, previous) });
    } catch (err) {
      throw await compensate(steps, err);
    }
    const failed: string[] = [];
    for (const d of retired)
      await this.undeploy(endpoint, d.id).catch((err: unknown) => failed.push(`${d.version}: ${errorMessage(err)}`));
    if (failed.length > 0) {
      throw new TransientError(
        'SERVING.CLEANUP_INCOMPLETE',
        `traffic split applied, but undeploying retired versions failed (apply again): ${failed.join('; ')}`,
      );
    }
    return { changed: true };
  }

  /** The live split by version (our deployed models with traffic only). */
  async currentSplit(endpointId: string): Promise<Record<string, number>> {
    const { endpoints } = await this.clients.get();
    const [live] = await call('read endpoint', () => endpoints.getEndpoint({ name: this.endpointName(endpointId) }));
    const byId = new Map(
      (live.deployedModels ?? []).map((d) => [d.id ?? '', parseDisplayName(d.displayName)?.version]),
    );
    const out: Record<string, number> = {};
    for (const [id, pct] of Object.entries(live.trafficSplit ?? {})) {
      const version = byId.get(id);
      if (version !== undefined && Number(pct) > 0) out[version] = Number(pct);
    }
    return out;
  }

  /** Close the clients if they were ever created. */
  async close(): Promise<void> {
    const pending = this.clients.peek();
    if (!pending) return;
    const { models, endpoints } = await pending;
    await Promise.all([models.close(), endpoints.close()]);
  }

  private endpointName(endpointId: string): string {
    // The deployment document's id is the Vertex endpoint id: one id from configuration to Vertex.
    return `${this.parent}/endpoints/${endpointId}`;
  }

  private defaultReplicas(target: Record<string, number>, version: string): Replicas {
    const top = Object.entries(target).sort((a, b) => b[1] - a[1])[0]?.[0];
    return version === top ? (this.options.championReplicas ?? { min: 1, max: 3 }) : { min: 1, max: 1 };
  }

  /** The registry version for a semver (found by alias, else uploaded), as `models/ID@VERSION`. */
  private async modelVersion(modelId: string, version: string, artifactUri: string | undefined): Promise<string> {
    const { models } = await this.clients.get();
    const modelName = `${this.parent}/models/${registryId(modelId)}`;
    const existing = await optional(() => models.getModel({ name: `${modelName}@${versionAlias(version)}` }));
    if (existing) return `${existing.name ?? modelName}@${existing.versionId ?? versionAlias(version)}`;
    if (!artifactUri)
      throw new PermanentError('SERVING.INVALID_DEPLOYMENT', `version ${version} has traffic but no artifact URI`);
    const parentExists = (await optional(() => models.getModel({ name: modelName }))) !== undefined;
    const [operation] = await call(`upload ${version}`, () =>
      models.uploadModel({
        parent: this.parent,
        ...(parentExists ? { parentModel: modelName } : { modelId: registryId(modelId) }),
        model: {
          displayName: modelId,
          artifactUri,
          versionAliases: [versionAlias(version)],
          labels: { semver: versionAlias(version) },
          containerSpec: {
            imageUri:
              this.options.servingImage ??
              `${this.options.location}-docker.pkg.dev/${this.options.projectId}/ipo-mlops/serving:latest`,
            // The container logs each prediction with the semver that served it (shared/serving/config.ts).
            env: Object.entries({
              ...this.options.containerEnv,
              IPO_MODEL_ID: modelId,
              IPO_MODEL_VERSION: version,
              GCP_PROJECT: this.options.projectId,
            }).map(([name, value]) => ({ name, value })),
          },
        },
      }),
    );
    const [uploaded] = await call(`upload ${version}`, () => operation.promise());
    return `${uploaded.model ?? modelName}@${uploaded.modelVersionId ?? versionAlias(version)}`;
  }

  /** Deploy one version; resolves with its deployed model id and the split the endpoint now has. */
  private async deploy(
    endpoint: string,
    modelId: string,
    version: string,
    model: string,
    replicas: Replicas,
    split: Record<string, number>,
  ): Promise<{ id: string; split: Record<string, number> }> {
    const { endpoints } = await this.clients.get();
    // Deploy at 0% next to the live split ("0" is the model being deployed); an empty endpoint must give it 100%.
    const trafficSplit: Record<string, number> = Object.values(split).some((pct) => Number(pct) > 0)
      ? { ...split, 0: 0 }
      : { 0: 100 };
    const [operation] = await call(`deploy ${version}`, () =>
      endpoints.deployModel({
        endpoint,
        trafficSplit,
        deployedModel: {
          model,
          displayName: `${modelId}@${version}`,
          ...(this.options.serviceAccount ? { serviceAccount: this.options.serviceAccount } : {}),
          dedicatedResources: {
            machineSpec: { machineType: this.options.machineType ?? 'n1-standard-2' },
            minReplicaCount: replicas.min,
            maxReplicaCount: replicas.max,
          },
        },
      }),
    );
    const [response] = await call(`deploy ${version}`, () => operation.promise());
    const id = response.deployedModel?.id;
    if (!id) throw new TransientError('SERVING.VERTEX_FAILED', `deploying ${version} returned no deployed model id`);
    const { 0: share, ...others } = trafficSplit;
    return { id, split: { ...others, [id]: share } };
  }

  private async resize(endpoint: string, deployedModelId: string, replicas: Replicas): Promise<void> {
    const { endpoints } = await this.clients.get();
    const [operation] = await call('resize', () =>
      endpoints.mutateDeployedModel({
        endpoint,
        deployedModel: {
          id: deployedModelId,
          dedicatedResources: { minReplicaCount: replicas.min, maxReplicaCount: replicas.max },
        },
        updateMask: { paths: ['dedicated_resources.min_replica_count', 'dedicated_resources.max_replica_count'] },
      }),
    );
    await call('resize', () => operation.promise());
  }

  private async setSplit(endpoint: string, trafficSplit: Record<string, number>): Promise<void> {
    const { endpoints } = await this.clients.get();
    await call('update traffic split', () =>
      endpoints.updateEndpoint({
        endpoint: { name: endpoint, trafficSplit },
        updateMask: { paths: ['traffic_split'] },
      }),
    );
  }

  /** Undeploy; `trafficSplit` (when it has traffic) replaces the endpoint's split in the same call. */
  private async undeploy(
    endpoint: string,
    deployedModelId: string,
    trafficSplit: Record<string, number> = {},
  ): Promise<void> {
    const { endpoints } = await this.clients.get();
    const split = Object.values(trafficSplit).some((pct) => Number(pct) > 0) ? { trafficSplit } : {};
    const [operation] = await call('undeploy', () => endpoints.undeployModel({ endpoint, deployedModelId, ...split }));
    await call('undeploy', () => operation.promise());
  }
}

/** Run the undos in reverse; the original error is rethrown, naming any undo that failed too. */
async function compensate(steps: Step[], err: unknown): Promise<unknown> {
  const failedUndos: string[] = [];
  for (const step of [...steps].reverse()) {
    try {
      await step.undo?.();
    } catch (undoErr) {
      failedUndos.push(`undo ${step.what}: ${errorMessage(undoErr)}`);
    }
  }
  if (failedUndos.length === 0 || !(err instanceof Error)) return err;
  return new TransientError(
    'SERVING.COMPENSATION_INCOMPLETE',
    `${err.message}; compensation failed: ${failedUndos.join('; ')}`,
    { cause: err.message },
  );
}

/** The semver as a Model Registry alias / label value: `1.2.3-rc.1` -> `v1-2-3-rc-1`. */
export function versionAlias(version: string): string {
  return `v${version.toLowerCase().replace(/[^a-z0-9]+/g, '-')}`.replace(/-+$/, '');
}

/**
 * Validate a split (percent per version) and round it to the integer percentages Vertex accepts,
 * by largest remainder so the total stays 100; versions at 0% are dropped.
 */
export function integerSplit(split: Record<string, number>): Record<string, number> {
  const issues: Issue[] = [];
  const live = Object.entries(split).filter(([version, pct]) => {
    if (!Number.isFinite(pct) || pct < 0 || pct > 100)
      issues.push({ path: `split.${version}`, message: `must be a percentage in [0, 100], got ${pct}` });
    return Number.isFinite(pct) && pct > 0;
  });
  const total = live.reduce((sum, [, pct]) => sum + pct, 0);
  if (live.length > 0 && Math.abs(total - 100) > 1e-6)
    issues.push({ path: 'split', message: `percentages must sum to 100, got ${total}` });
  if (issues.length > 0) throw new ValidationError('deployment', issues, 'SERVING.INVALID_DEPLOYMENT');
  const floors = live.map(([version, pct]) => ({ version, whole: Math.floor(pct), rest: pct - Math.floor(pct) }));
  let missing = live.length === 0 ? 0 : 100 - floors.reduce((sum, f) => sum + f.whole, 0);
  for (const f of [...floors].sort((a, b) => b.rest - a.rest)) {
    if (missing <= 0) break;
    f.whole += 1;
    missing -= 1;
  }
  return Object.fromEntries(floors.filter((f) => f.whole > 0).map((f) => [f.version, f.whole]));
}

function deployedVersions(deployed: IDeployedModel[], modelId: string): Map<string, Ours> {
  const out = new Map<string, Ours>();
  for (const d of deployed) {
    const parsed = parseDisplayName(d.displayName);
    if (parsed?.modelId !== modelId || !d.id) continue;
    const r = d.dedicatedResources;
    out.set(parsed.version, {
      id: d.id,
      version: parsed.version,
      replicas: { min: Number(r?.minReplicaCount ?? 1), max: Number(r?.maxReplicaCount ?? 1) },
    });
  }
  return out;
}

function parseDisplayName(name: string | null | undefined): { modelId: string; version: string } | undefined {
  const at = name?.lastIndexOf('@') ?? -1;
  return name && at > 0 ? { modelId: name.slice(0, at), version: name.slice(at + 1) } : undefined;
}

/** The Model Registry id of a model id (lower-case letters, digits, `-`, `_`; starts with a letter). */
export function registryId(modelId: string): string {
  return (
    modelId
      .toLowerCase()
      .replace(/[^a-z0-9_-]/g, '-')
      .replace(/^[^a-z]+/, '')
      .slice(0, 63) || 'model'
  );
}

function sameReplicas(a: Replicas, b: Replicas): boolean {
  return a.min === b.min && a.max === b.max;
}

function sameSplit(a: Record<string, number>, b: Record<string, number>): boolean {
  const live = (s: Record<string, number>) =>
    Object.entries(s)
      .filter(([, v]) => Number(v) > 0)
      .map(([k, v]) => `${k}=${Number(v)}`)
      .sort()
      .join(',');
  return live(a) === live(b);
}

async function optional<T>(fn: () => Promise<[T, ...unknown[]]>): Promise<T | undefined> {
  try {
    return (await fn())[0];
  } catch (err) {
    if (googleStatusCode(err) === GRPC.NOT_FOUND) return undefined;
    throw mapError(err, 'read model');
  }
}

async function call<T>(what: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    throw mapError(err, what);
  }
}

function mapError(err: unknown, what: string): Error {
  if (err instanceof PermanentError || err instanceof TransientError) return err;
  const code = googleStatusCode(err);
  const message = `Vertex AI: ${what} failed: ${errorMessage(err)}`;
  return isRetryableStatus(code)
    ? new TransientError('SERVING.VERTEX_UNAVAILABLE', message, { grpcCode: code })
    : new PermanentError('SERVING.VERTEX_REJECTED', message, { grpcCode: code });
}
