/** TensorFlow.js backend selection: wasm (with the wasm files from the installed package) or the plain cpu backend. */
import { createRequire } from 'node:module';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';

/** Backends the pipeline can train on. */
export const TF_BACKENDS = ['wasm', 'cpu'] as const;
/** A backend name. */
export type TfBackend = (typeof TF_BACKENDS)[number];

let wasmPathsSet = false;

/** Switch to the preferred backend, falling back to cpu; returns the backend actually in use. */
export async function useBackend(preferred: TfBackend = 'wasm'): Promise<TfBackend> {
  await tf.ready();
  if (preferred === 'wasm') {
    try {
      if (!wasmPathsSet) {
        const dir = path.dirname(createRequire(import.meta.url).resolve('@tensorflow/tfjs-backend-wasm'));
        setWasmPaths(`${dir}${path.sep}`);
        wasmPathsSet = true;
      }
      if (await tf.setBackend('wasm')) return 'wasm';
    } catch {
      // fall through to cpu: a missing or unloadable wasm binary should not stop training
    }
  }
  await tf.setBackend('cpu');
  return 'cpu';
}

/** The tfjs version, for lineage. */
export const TFJS_VERSION: string = tf.version.tfjs;
