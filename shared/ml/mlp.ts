/**
 * The guide's MLP (Dense 128 relu, Dropout, Dense 64 relu, Dropout, Dense 1; Adam; MSE) with a seeded,
 * epoch-by-epoch training loop: our own seeded shuffle, per-batch dropout seeds and early stopping.
 */
import * as tf from '@tensorflow/tfjs';
import type { Hyperparameters } from './hyperparameters.js';
import { createRng, nextSeed, permutation } from './random.js';

/** A matrix in row-major order. */
export interface Matrix {
  values: Float32Array;
  rows: number;
  cols: number;
}

/** Loss of one epoch (model space: standardised transformed target). */
export interface EpochLog {
  epoch: number;
  loss: number;
  valLoss: number;
}

/** The trained model and its history. */
export interface MlpResult {
  model: tf.Sequential;
  history: EpochLog[];
  bestEpoch: number;
  stoppedEarly: boolean;
}

/** Build the guide's architecture with seeded initialisers. */
export function buildMlp(inputs: number, hp: Hyperparameters, seed: number): tf.Sequential {
  const rng = createRng(seed);
  const init = (): ReturnType<typeof tf.initializers.glorotUniform> =>
    tf.initializers.glorotUniform({ seed: nextSeed(rng) });
  const model = tf.sequential();
  model.add(tf.layers.dense({ units: 128, activation: 'relu', inputShape: [inputs], kernelInitializer: init() }));
  model.add(tf.layers.dropout({ rate: hp.dropout, seed: nextSeed(rng) }));
  model.add(tf.layers.dense({ units: 64, activation: 'relu', kernelInitializer: init() }));
  model.add(tf.layers.dropout({ rate: hp.dropout, seed: nextSeed(rng) }));
  model.add(tf.layers.dense({ units: 1, kernelInitializer: init() }));
  model.compile({ optimizer: tf.train.adam(hp.learningRate), loss: 'meanSquaredError' });
  return model;
}

function tensors(m: Matrix, y: Float32Array): [tf.Tensor2D, tf.Tensor2D] {
  return [tf.tensor2d(m.values, [m.rows, m.cols]), tf.tensor2d(y, [m.rows, 1])];
}

/** Mean squared error of the model (inference mode, no dropout). */
export function mse(model: tf.LayersModel, x: Matrix, y: Float32Array): number {
  const pred = predictMlp(model, x);
  let s = 0;
  for (let i = 0; i < y.length; i++) s += (pred[i] - y[i]) ** 2;
  return s / Math.max(1, y.length);
}

/** Train with early stopping on validation loss; the best epoch's weights are restored. */
export async function trainMlp(
  train: { x: Matrix; y: Float32Array },
  val: { x: Matrix; y: Float32Array },
  hp: Hyperparameters,
  seed: number,
  onEpoch?: (log: EpochLog) => void,
): Promise<MlpResult> {
  const model = buildMlp(train.x.cols, hp, seed);
  const rng = createRng(seed ^ 0x5eed);
  const dropouts = model.layers.filter((l) => l.getClassName() === 'Dropout');
  // A fixed dropout seed would reuse one mask for every batch; a fresh seeded value per batch keeps it random yet reproducible.
  const reseed = (): void => dropouts.forEach((l) => Reflect.set(l, 'seed', nextSeed(rng)));
  const [xAll, yAll] = tensors(train.x, train.y);
  const history: EpochLog[] = [];
  let best = Infinity;
  let bestEpoch = 0;
  let bestWeights: tf.Tensor[] | undefined;
  let stoppedEarly = false;
  try {
    for (let epoch = 1; epoch <= hp.epochs; epoch++) {
      const idx = tf.tensor1d(permutation(rng, train.x.rows), 'int32');
      const xs = tf.gather(xAll, idx);
      const ys = tf.gather(yAll, idx);
      const fit = await model.fit(xs, ys, {
        epochs: 1,
        batchSize: hp.batchSize,
        shuffle: false,
        verbose: 0,
        callbacks: { onBatchBegin: async () => reseed() },
      });
      tf.dispose([idx, xs, ys]);
      const log: EpochLog = { epoch, loss: Number(fit.history.loss[0]), valLoss: mse(model, val.x, val.y) };
      history.push(log);
      onEpoch?.(log);
      if (log.valLoss < best - 1e-6) {
        best = log.valLoss;
        bestEpoch = epoch;
        tf.dispose(bestWeights);
        bestWeights = model.getWeights().map((w) => w.clone());
      } else if (epoch - bestEpoch >= hp.patience) {
        stoppedEarly = epoch < hp.epochs;
        break;
      }
    }
    if (bestWeights) model.setWeights(bestWeights);
  } finally {
    tf.dispose([xAll, yAll]);
    tf.dispose(bestWeights);
  }
  return { model, history, bestEpoch, stoppedEarly };
}

/** Predict in model space, in batches to bound memory. */
export function predictMlp(model: tf.LayersModel, x: Matrix, batch = 4096): Float32Array {
  const out = new Float32Array(x.rows);
  for (let start = 0; start < x.rows; start += batch) {
    const end = Math.min(x.rows, start + batch);
    const chunk = tf.tensor2d(x.values.subarray(start * x.cols, end * x.cols), [end - start, x.cols]);
    const pred = model.predict(chunk) as tf.Tensor;
    out.set(pred.dataSync() as Float32Array, start);
    tf.dispose([chunk, pred]);
  }
  return out;
}
