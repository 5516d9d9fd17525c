/**
 * Explanations are optional: a model family may or may not attribute its predictions to features.
 * Serving code checks with {@link canExplain} instead of assuming `explain` exists, and answers
 * 501 (SERVING.EXPLAIN_UNSUPPORTED) for models that cannot.
 */
import { PermanentError } from '../domain/errors.js';
import type { Explanation, Instance } from './vertex-protocol.js';

/** A model that explains its predictions: one explanation per row, in input order. */
export interface Explainable {
  explain(rows: readonly Instance[]): Explanation[] | Promise<Explanation[]>;
}

/** Whether a loaded model provides `explain`. */
export function canExplain<T extends object>(model: T): model is T & Explainable {
  return typeof (model as { explain?: unknown }).explain === 'function';
}

/** Explain rows, checking the model answered one explanation per row. */
export async function explainRows(model: Explainable, rows: readonly Instance[]): Promise<Explanation[]> {
  const explanations = await model.explain(rows);
  if (!Array.isArray(explanations) || explanations.length !== rows.length) {
    throw new PermanentError(
      'SERVING.PREDICTOR_FAILED',
      `the model returned ${Array.isArray(explanations) ? explanations.length : 'no'} explanations for ${rows.length} instances`,
    );
  }
  return explanations;
}

/** The error for a model without explanations; `family` names the model kind when known. */
export function explainUnsupported(what: string): PermanentError {
  return new PermanentError(
    'SERVING.EXPLAIN_UNSUPPORTED',
    `${what} does not provide explanations (feature attributions); use :predict`,
  );
}
