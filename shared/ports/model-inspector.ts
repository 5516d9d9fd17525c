/** Model inspector port: read a run's evaluation, check servability, evaluate a champion on the candidate's test data. */
import type { MetricSet } from '../domain/state.js';

/** What a finished pipeline run produced, read from its artifacts. */
export interface RunEvaluation {
  metrics: MetricSet;
  baselineMetrics: MetricSet;
  validationPassed: boolean;
  lineage: Record<string, unknown> & { contractHash: string; datasetFingerprint: string };
  slices?: Record<string, unknown>;
}

/** The inspector. */
export interface ModelInspector {
  readEvaluation(artifactUri: string): Promise<RunEvaluation>;
  /** Load the artifact and predict on sample rows: ok only if every prediction is finite. */
  servability(artifactUri: string): Promise<{ ok: boolean; error?: string; predictions?: number[] }>;
  /**
   * Metrics of the model at `modelArtifactUri` on the test split of the run at `testArtifactUri`;
   * undefined when that model cannot read the candidate's data (a different feature contract).
   */
  evaluateOn(modelArtifactUri: string, testArtifactUri: string): Promise<MetricSet | undefined>;
}
