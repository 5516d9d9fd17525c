/**
 * The in-process endpoint's serving adapter: holds each endpoint's split and a loaded predictor per
 * version with traffic. `apply` loads new versions first and swaps the whole state at once, so requests
 * never see a half-applied split; a failed load runs the compensation list (closing what it loaded) and
 * leaves the previous split serving. Versions that lose all traffic are unloaded ("undeployed").
 */
import { PermanentError, ValidationError, type Issue } from '../../domain/errors.js';
import type { DesiredDeployment, ModelServing } from '../../ports/model-serving.js';
import { canExplain, explainRows, explainUnsupported } from '../../serving/explainable.js';
import type { Explanation } from '../../serving/vertex-protocol.js';
import { AsyncMutex } from './async-mutex.js';

/** A loaded model (with its saved preprocessing) that predicts one number per raw instance. */
export interface Predictor {
  predict(rows: Record<string, unknown>[]): Promise<number[]>;
  /** Feature attributions per row, when the model family provides them. */
  explain?(rows: Record<string, unknown>[]): Promise<Explanation[]>;
  /** Release memory (tensors); called when the version is unloaded or a failed apply is compensated. */
  close?(): Promise<void>;
}

/** Loads a predictor from a version's artifact URI. */
export type LoadPredictor = (artifactUri: string) => Promise<Predictor>;

/** Options of {@link LocalModelServing}. */
export interface LocalModelServingOptions {
  loadPredictor: LoadPredictor;
}

/** What a prediction returns: one value per instance and the version that served the request. */
export interface ServedPrediction {
  predictions: number[];
  deployedModelId: string;
}

interface Loaded {
  artifactUri: string;
  predictor: Predictor;
}
interface EndpointState {
  split: Record<string, number>;
  models: Map<string, Loaded>;
}

/** Serving on in-process predictors, with deterministic weighted routing by request id. */
export class LocalModelServing implements ModelServing {
  private readonly loadPredictor: LoadPredictor;
  private readonly endpoints = new Map<string, EndpointState>();
  private readonly mutex = new AsyncMutex();

  constructor(options: LocalModelServingOptions) {
    this.loadPredictor = options.loadPredictor;
  }

  /** Load versions that gain traffic, then switch the split; `changed: false` when already live. */
  async apply(desired: DesiredDeployment): Promise<{ changed: boolean }> {
    const split = validateDesired(desired);
    return this.mutex.runExclusive(async () => {
      const before = this.endpoints.get(desired.endpointId) ?? { split: {}, models: new Map<string, Loaded>() };
      if (isLive(before, split, desired.artifacts)) return { changed: false };
      const models = new Map<string, Loaded>();
      const compensations: (() => Promise<void>)[] = [];
      try {
        for (const version of Object.keys(split)) {
          const artifactUri = desired.artifacts[version];
          const existing = before.models.get(version);
          if (existing?.artifactUri === artifactUri) {
            models.set(version, existing);
            continue;
          }
          const predictor = await this.loadPredictor(artifactUri);
          compensations.push(async () => predictor.close?.());
          models.set(version, { artifactUri, predictor });
        }
      } catch (err) {
        for (const undo of compensations.reverse()) await undo().catch(() => undefined);
        throw err;
      }
      this.endpoints.set(desired.endpointId, { split, models });
      // A request still running on a retired version may fail here; retirement is rare and clients retry.
      for (const [version, old] of before.models) {
        if (models.get(version) !== old) await old.predictor.close?.().catch(() => undefined);
      }
      return { changed: true };
    });
  }

  /** The live split (versions with traffic only). */
  async currentSplit(endpointId: string): Promise<Record<string, number>> {
    return { ...(this.endpoints.get(endpointId)?.split ?? {}) };
  }

  /** The version that serves a request id, or undefined when nothing is deployed on the endpoint. */
  route(endpointId: string, requestId: string): string | undefined {
    const split = this.endpoints.get(endpointId)?.split ?? {};
    return pickVersion(split, requestId);
  }

  /** Predict with the version the request id routes to; throws SERVING.NO_DEPLOYMENT when none is live. */
  async predict(
    endpointId: string,
    instances: Record<string, unknown>[],
    requestId: string,
  ): Promise<ServedPrediction> {
    const { version, predictor } = this.routed(endpointId, requestId);
    return { predictions: await predictWith(version, predictor, instances), deployedModelId: version };
  }

  /** Explain with the version the request id routes to; SERVING.EXPLAIN_UNSUPPORTED when its model cannot. */
  async explain(
    endpointId: string,
    instances: Record<string, unknown>[],
    requestId: string,
  ): Promise<ServedPrediction & { explanations: Explanation[] }> {
    const { version, predictor } = this.routed(endpointId, requestId);
    if (!canExplain(predictor)) throw explainUnsupported(`version ${version}`);
    const explanations = await explainRows(predictor, instances);
    return { predictions: await predictWith(version, predictor, instances), deployedModelId: version, explanations };
  }

  private routed(endpointId: string, requestId: string): { version: string; predictor: Predictor } {
    const state = this.endpoints.get(endpointId);
    const version = state === undefined ? undefined : pickVersion(state.split, requestId);
    const loaded = version === undefined ? undefined : state?.models.get(version);
    if (version === undefined || loaded === undefined) {
      throw new PermanentError('SERVING.NO_DEPLOYMENT', `no model version is deployed on endpoint ${endpointId}`, {
        endpointId,
      });
    }
    return { version, predictor: loaded.predictor };
  }
}

async function predictWith(
  version: string,
  predictor: Predictor,
  instances: Record<string, unknown>[],
): Promise<number[]> {
  const predictions = await predictor.predict(instances);
  if (predictions.length !== instances.length) {
    throw new PermanentError(
      'SERVING.PREDICTOR_FAILED',
      `version ${version} returned ${predictions.length} predictions for ${instances.length} instances`,
    );
  }
  return predictions;
}

const VERSION_ORDER = new Intl.Collator('en', { numeric: true });

/**
 * Deterministic weighted routing: the request id's FNV-1a hash picks a point in [0, total) and the
 * versions, in a fixed order, own consecutive ranges proportional to their share.
 */
export function pickVersion(split: Record<string, number>, requestId: string): string | undefined {
  const versions = Object.keys(split)
    .filter((v) => split[v] > 0)
    .sort(VERSION_ORDER.compare);
  const total = versions.reduce((sum, v) => sum + split[v], 0);
  if (versions.length === 0 || total <= 0) return undefined;
  let point = (fnv1a(requestId) / 2 ** 32) * total;
  for (const v of versions) {
    point -= split[v];
    if (point < 0) return v;
  }
  return versions[versions.length - 1];
}

function fnv1a(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i += 1) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  // Final avalanche (murmur3's fmix32) so ids differing only in a trailing digit spread evenly.
  hash ^= hash >>> 16;
  hash = Math.imul(hash, 0x85ebca6b);
  hash ^= hash >>> 13;
  hash = Math.imul(hash, 0xc2b2ae35);
  hash ^= hash >>> 16;
  return hash >>> 0;
}

function validateDesired(desired: DesiredDeployment): Record<string, number> {
  const issues: Issue[] = [];
  const live: Record<string, number> = {};
  for (const [version, pct] of Object.entries(desired.split)) {
    if (!Number.isFinite(pct) || pct < 0 || pct > 100)
      issues.push({ path: `split.${version}`, message: `must be a percentage in [0, 100], got ${pct}` });
    else if (pct > 0) live[version] = pct;
    if (pct > 0 && !desired.artifacts[version])
      issues.push({ path: `artifacts.${version}`, message: 'a version with traffic needs an artifact URI' });
  }
  const total = Object.values(live).reduce((a, b) => a + b, 0);
  if (Object.keys(live).length > 0 && Math.abs(total - 100) > 1e-6)
    issues.push({ path: 'split', message: `percentages must sum to 100, got ${total}` });
  if (issues.length > 0) throw new ValidationError('deployment', issues, 'SERVING.INVALID_DEPLOYMENT');
  return live;
}

function isLive(state: EndpointState, split: Record<string, number>, artifacts: Record<string, string>): boolean {
  const versions = Object.keys(split);
  return (
    versions.length === Object.keys(state.split).length &&
    versions.every((v) => state.split[v] === split[v] && state.models.get(v)?.artifactUri === artifacts[v])
  );
}
