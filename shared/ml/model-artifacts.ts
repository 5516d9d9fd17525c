/**
 * Saving the chosen family's model and loading any family back as a Predictor. `model-family.json`
 * names the family; an artifact without it predates families and holds the MLP.
 */
import type * as tf from '@tensorflow/tfjs';
import { z } from 'zod';
import { ValidationError } from '../domain/errors.js';
import type { ArtifactStore } from '../ports/artifact-store.js';
import { artifactPath, loadModel, readJson, saveModel, writeJson } from './artifacts.js';
import { ensembleScore, type Candidate } from './candidates.js';
import { explanationBaseline } from './explanations.js';
import { MODEL_FAMILIES } from './model-families.js';
import { predictMlp } from './mlp.js';
import { matrixPredictor, treesPredictor, type Predictor } from './predictors.js';
import type { Preprocessing } from './preprocessing.js';
import { predictRidge, type RidgeModel } from './ridge.js';
import { parseTreeEnsemble } from './trees/tree-model.js';

const manifestSchema = z.object({
  family: z.enum(MODEL_FAMILIES),
  members: z.number().int().min(1).optional(),
  explanationBaseline: z.array(z.number()).optional(),
});
/** What `model-family.json` holds. */
export type FamilyManifest = z.output<typeof manifestSchema>;

const memberDir = (k: number): string => `model/member-${k + 1}`;

/** Write the candidate's model files and its manifest (the ridge baseline is written by the pipeline either way). */
export async function saveCandidate(store: ArtifactStore, artifactUri: string, c: Candidate): Promise<void> {
  const a = c.artifact;
  if (a.kind === 'layers' && c.predictor.family === 'mlp') await saveModel(store, artifactUri, a.models[0]);
  else if (a.kind === 'layers')
    for (const [k, m] of a.models.entries()) await saveModel(store, artifactUri, m, memberDir(k));
  else if (a.kind === 'trees') await writeJson(store, artifactUri, 'trees', a.model);
  const manifest: FamilyManifest = {
    family: c.predictor.family,
    ...(a.kind === 'layers' && c.predictor.family === 'mlp-ensemble' ? { members: a.models.length } : {}),
    ...(c.explanationBaseline ? { explanationBaseline: c.explanationBaseline } : {}),
  };
  await writeJson(store, artifactUri, 'family', manifest);
}

/** Read the manifest; an artifact without one is an MLP from before families. */
export async function readManifest(store: ArtifactStore, artifactUri: string): Promise<FamilyManifest> {
  if (!(await store.exists(artifactPath(artifactUri, 'family')))) return { family: 'mlp' };
  const parsed = manifestSchema.safeParse(await readJson<unknown>(store, artifactUri, 'family'));
  if (!parsed.success)
    throw new ValidationError(
      'model-family.json',
      parsed.error.issues.map((i) => ({ path: i.path.join('.'), message: i.message })),
      'MODEL.ARTIFACT_INVALID',
    );
  return parsed.data;
}

/** Load the artifact's model, whatever its family. Layers models need a tfjs backend chosen beforehand. */
export async function loadPredictor(store: ArtifactStore, artifactUri: string, p: Preprocessing): Promise<Predictor> {
  const manifest = await readManifest(store, artifactUri);
  const baseline = manifest.explanationBaseline ?? explanationBaseline(p, { numeric: {}, text: {} }, []);
  const cols = p.columns.length;
  switch (manifest.family) {
    case 'trees': {
      const model = parseTreeEnsemble(await readJson<unknown>(store, artifactUri, 'trees'));
      const expected = p.inputs.map((t) => t.name);
      if (model.features.map((f) => f.name).join('\u0000') !== expected.join('\u0000')) {
        throw new ValidationError(
          'trees.json',
          [
            {
              path: 'features',
              message: `are ${model.features.map((f) => f.name).join(', ')}; the preprocessing's inputs are ${expected.join(', ')}`,
            },
          ],
          'MODEL.ARTIFACT_INVALID',
        );
      }
      return treesPredictor(p, model);
    }
    case 'mlp': {
      const model = await loadModel(store, artifactUri);
      return matrixPredictor(
        'mlp',
        p,
        (x, rows) => predictMlp(model, { values: x, rows, cols }),
        baseline,
        () => model.dispose(),
      );
    }
    case 'mlp-ensemble': {
      const models: tf.LayersModel[] = [];
      for (let k = 0; k < (manifest.members ?? 1); k++) models.push(await loadModel(store, artifactUri, memberDir(k)));
      return matrixPredictor('mlp-ensemble', p, ensembleScore(models, cols), baseline, () =>
        models.forEach((m) => m.dispose()),
      );
    }
    case 'ridge': {
      const ridge = await readJson<RidgeModel>(store, artifactUri, 'ridge');
      return matrixPredictor('ridge', p, (x, rows) => predictRidge(ridge, x, rows), baseline);
    }
  }
}
