/**
 * Reading a model's whole lifecycle state back from a store (every version, the deployment, every
 * experiment) and checking the lifecycle invariants on it, for the regression and property tests.
 */
import { expect } from 'vitest';
import {
  lifecycleViolations,
  type LifecycleSnapshot,
  type LifecycleViolation,
} from '../../shared/domain/lifecycle/index.js';
import { COLLECTIONS, type DeploymentDoc, type ModelDoc, type VersionDoc } from '../../shared/domain/state.js';
import type { StateStore } from '../../shared/ports/state-store.js';
import { ENDPOINT_ID, MODEL_ID } from './service-harness.js';

/** The model's lifecycle as stored: champion, every version's state, the split, every experiment. */
export async function storedSnapshot(store: StateStore, modelId = MODEL_ID): Promise<LifecycleSnapshot> {
  const model = await store.get<ModelDoc>(COLLECTIONS.models, modelId);
  const versions = await store.query<VersionDoc>(COLLECTIONS.versions(modelId));
  const deployment = await store.get<DeploymentDoc>(COLLECTIONS.deployments, model?.endpointId ?? ENDPOINT_ID);
  const experiments = await store.query<{ experimentId: string; candidate: string; status: string; modelId: string }>(
    COLLECTIONS.experiments,
  );
  return {
    ...(model?.championVersion ? { championVersion: model.championVersion } : {}),
    versions: versions.map((v) => ({ version: v.data.version, state: v.data.state })),
    split: deployment?.split ?? {},
    experiments: experiments.filter((e) => e.data.modelId === modelId).map((e) => e.data),
  };
}

/** Every invariant violated by the stored state. */
export async function storedViolations(store: StateStore, modelId = MODEL_ID): Promise<LifecycleViolation[]> {
  return lifecycleViolations(await storedSnapshot(store, modelId));
}

/** Assert the stored state keeps every invariant; `after` names the step for the failure message. */
export async function expectInvariants(store: StateStore, after: string): Promise<void> {
  const snapshot = await storedSnapshot(store);
  expect(lifecycleViolations(snapshot), `after ${after}: ${JSON.stringify(snapshot)}`).toEqual([]);
}
