/** The API's model routes: a model with its versions, deployment and run in flight; its policy; a version's global importances. */
import { parsePolicy } from '../domain/lifecycle/index.js';
import { COLLECTIONS, type ModelDoc, SCHEMAS } from '../domain/state.js';
import type { ArtifactStore } from '../ports/artifact-store.js';
import type { StateStore } from '../ports/state-store.js';
import { getDoc, queryDocs } from '../services/documents.js';
import { route, type ApiRoute } from './api-router.js';
import { HttpError } from '../http.js';
import { sendJson } from './http-util.js';

/** File of a version's global importances, next to its other artifacts. */
export const IMPORTANCES_FILE = 'importances.json';

const MODEL = '([a-z][a-z0-9-]*)';
const VERSION = '(\\d+\\.\\d+\\.\\d+)';

/** A model as the API shows it: the document, its versions (newest first), deployment, run in flight and canary. */
export async function modelView(store: StateStore, model: ModelDoc): Promise<Record<string, unknown>> {
  const versions = (await queryDocs(store, SCHEMAS.VersionDoc, COLLECTIONS.versions(model.modelId))).map((v) => v.data);
  const deployment = await getDoc(store, SCHEMAS.DeploymentDoc, COLLECTIONS.deployments, model.endpointId);
  const inFlight = model.inFlightRunId
    ? await getDoc(store, SCHEMAS.RunDoc, COLLECTIONS.runs, model.inFlightRunId)
    : undefined;
  const canary = versions.find((v) => v.state === 'canary')?.version ?? null;
  return {
    ...model,
    versions: versions.sort((a, b) => b.createdAt.localeCompare(a.createdAt)),
    deployment: deployment ?? null,
    inFlightRun: inFlight ?? null,
    canaryVersion: canary,
  };
}

async function requireModel(store: StateStore, modelId: string): Promise<ModelDoc> {
  const model = await getDoc(store, SCHEMAS.ModelDoc, COLLECTIONS.models, modelId);
  if (!model) throw new HttpError(404, 'API.NOT_FOUND', `model ${modelId} does not exist`);
  return model;
}

/** The model routes. */
export function modelRoutes(store: StateStore, artifacts: ArtifactStore): ApiRoute[] {
  return [
    route('GET', new RegExp(`^/api/models/${MODEL}$`), async (_req, res, m) =>
      sendJson(res, 200, await modelView(store, await requireModel(store, m[1]))),
    ),
    route('GET', new RegExp(`^/api/models/${MODEL}/policy$`), async (_req, res, m) => {
      const model = await requireModel(store, m[1]);
      // The effective policy: every default filled in, as the services read it.
      sendJson(res, 200, { modelId: model.modelId, policy: parsePolicy(model.policy), updatedAt: model.updatedAt });
    }),
    route('GET', new RegExp(`^/api/models/${MODEL}/versions/${VERSION}/importances$`), async (_req, res, m) => {
      const version = await getDoc(store, SCHEMAS.VersionDoc, COLLECTIONS.versions(m[1]), m[2]);
      if (!version) throw new HttpError(404, 'API.NOT_FOUND', `version ${m[2]} of model ${m[1]} does not exist`);
      const uri = `${version.artifactUri.replace(/\/+$/, '')}/${IMPORTANCES_FILE}`;
      if (!(await artifacts.exists(uri)))
        throw new HttpError(
          404,
          'API.NO_IMPORTANCES',
          `version ${m[2]} has no ${IMPORTANCES_FILE} (trained before importances were saved)`,
        );
      const importances = JSON.parse(new TextDecoder().decode(await artifacts.read(uri))) as unknown;
      sendJson(res, 200, { modelId: m[1], version: m[2], artifactUri: version.artifactUri, importances });
    }),
  ];
}
