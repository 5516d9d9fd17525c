/** The outcome of a pipeline run as the runners report it; the control plane turns it into a `pipeline-events` message. */
import { errorCode, errorMessage, isRetryable } from '../domain/errors.js';
import type { PipelineLaunchRequest } from '../ports/pipeline-launcher.js';
import type { Evaluation } from './evaluation.js';
import type { Lineage } from './lineage.js';
import type { PipelineOutput } from './pipeline.js';
import { DatasetValidationError, type ValidationIssue, type ValidationReport } from './validation.js';

/** Validation in brief: counts and the first issues. */
export interface ValidationSummary {
  ok: boolean;
  rowCount: number;
  errors: number;
  warnings: number;
  issues: ValidationIssue[];
}

/** A finished run. `metrics`, `validation` and `lineage` are present when the steps that make them ran. */
export interface PipelineCompletion {
  runId: string;
  modelId: string;
  correlationId: string;
  state: 'succeeded' | 'failed' | 'cancelled';
  artifactUri: string;
  metrics?: Evaluation;
  validation?: ValidationSummary;
  lineage?: Lineage;
  /** Why the run failed. */
  error?: string;
  errorCode?: string;
  retryable?: boolean;
  startedAt: string;
  finishedAt: string;
}

const MAX_ISSUES = 20;

/** Summarise a validation report. */
export function summariseValidation(report: ValidationReport): ValidationSummary {
  return {
    ok: report.ok,
    rowCount: report.rowCount,
    errors: report.errors,
    warnings: report.warnings,
    issues: report.issues.slice(0, MAX_ISSUES),
  };
}

/** The completion of a successful run. */
export function succeeded(
  request: PipelineLaunchRequest,
  output: PipelineOutput,
  startedAt: Date,
  finishedAt = new Date(),
): PipelineCompletion {
  return {
    runId: request.runId,
    modelId: request.modelId,
    correlationId: request.correlationId,
    state: 'succeeded',
    artifactUri: output.artifactUri,
    metrics: output.metrics,
    validation: summariseValidation(output.validation),
    lineage: output.lineage,
    startedAt: startedAt.toISOString(),
    finishedAt: finishedAt.toISOString(),
  };
}

/** The completion of a failed run; a dataset validation failure carries its report. */
export function failed(
  request: PipelineLaunchRequest,
  err: unknown,
  startedAt: Date,
  finishedAt = new Date(),
): PipelineCompletion {
  return {
    runId: request.runId,
    modelId: request.modelId,
    correlationId: request.correlationId,
    state: 'failed',
    artifactUri: request.artifactUri,
    validation: err instanceof DatasetValidationError ? summariseValidation(err.report) : undefined,
    error: errorMessage(err),
    errorCode: errorCode(err),
    retryable: isRetryable(err),
    startedAt: startedAt.toISOString(),
    finishedAt: finishedAt.toISOString(),
  };
}

/** The completion of a run stopped by a cancel request (not retried). */
export function cancelled(
  request: PipelineLaunchRequest,
  startedAt: Date,
  finishedAt = new Date(),
): PipelineCompletion {
  return {
    runId: request.runId,
    modelId: request.modelId,
    correlationId: request.correlationId,
    state: 'cancelled',
    artifactUri: request.artifactUri,
    error: 'cancelled on request',
    retryable: false,
    startedAt: startedAt.toISOString(),
    finishedAt: finishedAt.toISOString(),
  };
}
