/**
 * on-eval-complete's use case: a pipeline finished -> failed runs retry with backoff; succeeded
 * runs pass the gate (evidence recorded), get a semantic version and go to canary or wait for approval.
 */
import { createHash } from 'node:crypto';
import {
  assertTransition,
  decideRunFailure,
  evaluateGate,
  nextVersion,
  parsePolicy,
  requestersOf,
  type RunState,
} from '../domain/lifecycle/index.js';
import { COLLECTIONS, type ModelDoc, type RunDoc, type VersionDoc, SCHEMAS } from '../domain/state.js';
import type { RunEvaluation } from '../ports/model-inspector.js';
import type { Transaction } from '../ports/state-store.js';
import { DecisionLog, type ServiceDeps } from './context.js';
import { launchEffect, newRun } from './runs.js';
import { derivedId, processOnce, type Decision, type MessageIdentity, type Processed } from './processing.js';
import { getDoc, queryDocs } from './documents.js';

/** A pipeline outcome after decoding; `authoritative` is false for log-sink hints (re-read the job). */
export interface PipelineOutcome {
  pipelineJobId: string;
  state: 'succeeded' | 'failed' | 'cancelled';
  error?: string;
  /** false when retrying cannot help (the data failed validation). */
  retryable?: boolean;
  authoritative: boolean;
}

interface Evidence {
  evaluation: RunEvaluation;
  servability: { ok: boolean; error?: string };
  championMetrics?: RunEvaluation['metrics'];
  /** The champion version whose served model is byte-identical to the candidate's (same data, same model). */
  identicalTo?: string;
}

/** Handle a pipeline outcome exactly once. Artifacts are read before the transaction (read-only I/O). */
export async function handlePipelineOutcome(
  deps: ServiceDeps,
  identity: MessageIdentity,
  outcome: PipelineOutcome,
): Promise<Processed> {
  let state = outcome.state;
  let error = outcome.error;
  if (!outcome.authoritative) {
    const status = await deps.launcher.status(outcome.pipelineJobId);
    if (status && (status.state === 'succeeded' || status.state === 'failed' || status.state === 'cancelled')) {
      state = status.state;
      error = status.error ?? error;
    }
  }
  const run = await getDoc(deps.store, SCHEMAS.RunDoc, COLLECTIONS.runs, outcome.pipelineJobId);
  let evidence: Evidence | undefined;
  if (run && state === 'succeeded' && run.state !== 'evaluated') {
    const evaluation = await deps.inspector.readEvaluation(run.artifactUri);
    const servability = await deps.inspector.servability(run.artifactUri);
    const model = await getDoc(deps.store, SCHEMAS.ModelDoc, COLLECTIONS.models, run.modelId);
    const championMetrics = model?.champion
      ? await deps.inspector.evaluateOn(model.champion.artifactUri, run.artifactUri)
      : undefined;
    const identical = model?.champion ? await sameModel(deps, model.champion.artifactUri, run.artifactUri) : false;
    evidence = {
      evaluation,
      servability,
      championMetrics,
      ...(identical && model?.champion ? { identicalTo: model.champion.version } : {}),
    };
  }
  return processOnce(deps, identity, (tx, now) =>
    decide(deps, identity, tx, now, outcome.pipelineJobId, state, error, evidence, outcome.retryable !== false),
  );
}

async function decide(
  deps: ServiceDeps,
  identity: MessageIdentity,
  tx: Transaction,
  now: Date,
  runId: string,
  state: PipelineOutcome['state'],
  error: string | undefined,
  evidence: Evidence | undefined,
  retryable: boolean,
): Promise<Decision> {
  const run = await getDoc(tx, SCHEMAS.RunDoc, COLLECTIONS.runs, runId);
  if (!run) return { outcome: { kind: 'ignored', reason: `unknown run ${runId} (not started by this control plane)` } };
  const model = await getDoc(tx, SCHEMAS.ModelDoc, COLLECTIONS.models, run.modelId);
  if (!model) return { outcome: { kind: 'ignored', reason: `unknown model ${run.modelId}` } };
  if (['evaluated', 'failed', 'cancelled'].includes(run.state))
    return { outcome: { kind: 'ignored', reason: `run ${runId} is already ${run.state}` } };
  // The model keeps the list of its version ids, so the next semver needs no scan of every version document.
  const versionIds =
    model.versionList ??
    (await queryDocs(tx, SCHEMAS.VersionDoc, COLLECTIONS.versions(run.modelId))).map((v) => v.data.version);
  const policy = parsePolicy(model.policy);
  const at = now.toISOString();
  const log = new DecisionLog(identity, now, deps.settings.commandSigningKey);
  const runSubject = { kind: 'run' as const, id: runId };
  const nextModel: ModelDoc = { ...model, lastRunFinishedAt: at, updatedAt: at };
  const effects: Decision['effects'] = [];

  if (state !== 'succeeded' || !evidence) {
    tx.set(COLLECTIONS.runs, runId, {
      ...run,
      state: state === 'cancelled' ? 'cancelled' : 'failed',
      error: error ?? 'pipeline failed',
      updatedAt: at,
      finishedAt: at,
    });
    const retry =
      retryable && state === 'failed' ? decideRunFailure({ attempts: run.attempt, policy, now }) : undefined;
    if (retry?.kind === 'retry') {
      const next = {
        ...newRun(
          deps,
          `${run.runId.replace(/-a\d+$/, '')}-a${run.attempt + 1}`,
          run.modelId,
          run.reasons,
          run.dataUri,
          run.contractUri,
          run.correlationId,
          at,
          run.attempt + 1,
        ),
        retryOf: runId,
        notBefore: retry.retryAt,
        requestedBy: requestersOf(run),
        ...(run.followUp ? { followUp: run.followUp } : {}),
      };
      tx.set(COLLECTIONS.runs, next.runId, next);
      tx.set(COLLECTIONS.models, model.modelId, { ...nextModel, inFlightRunId: next.runId });
      log.event(tx, {
        event: 'run.retry-scheduled',
        modelId: model.modelId,
        subject: { kind: 'run', id: next.runId },
        from: run.state,
        to: 'requested',
        actor: 'on-eval-complete',
        reason: `attempt ${run.attempt} ${state}: ${error ?? 'no error given'}; retry at ${retry.retryAt}`,
      });
      return {
        outcome: { kind: 'retry-scheduled', runId: next.runId, retryAt: retry.retryAt },
        messages: log.messages,
      };
    }
    const why =
      retry === undefined
        ? state === 'cancelled'
          ? 'cancelled: not retried'
          : 'not retryable (retrying cannot fix the data)'
        : retry.reason;
    const cancelled = state === 'cancelled';
    const by = run.cancelRequested ? ` (cancel requested by ${run.cancelRequested.actor})` : '';
    log.event(tx, {
      event: cancelled ? 'run.cancelled' : 'run.failed',
      modelId: model.modelId,
      subject: runSubject,
      from: run.state,
      to: cancelled ? 'cancelled' : 'failed',
      actor: 'on-eval-complete',
      reason: `${state}${by} after ${run.attempt} attempt(s): ${error ?? 'no error given'}; ${why}; champion unchanged`,
    });
    const followUp = startFollowUp(deps, tx, log, run, model, at);
    tx.set(COLLECTIONS.models, model.modelId, { ...nextModel, inFlightRunId: followUp?.runId ?? null });
    if (followUp) effects.push(launchEffect(followUp));
    return { outcome: { kind: 'run-failed', runId, error: error ?? null }, effects, messages: log.messages };
  }

  assertTransition(
    'run',
    (run.state === 'requested' || run.state === 'submitted' ? 'running' : run.state) as RunState,
    'succeeded',
    runId,
  );
  if (evidence.identicalTo !== undefined && evidence.identicalTo === model.championVersion) {
    // Retrained on the same data into the same bytes: a new version would deploy the champion again.
    const reason = `the trained model is identical to the champion ${evidence.identicalTo}: no new version, nothing deployed`;
    tx.set(COLLECTIONS.runs, runId, {
      ...run,
      state: 'evaluated',
      identicalTo: evidence.identicalTo,
      updatedAt: at,
      finishedAt: at,
    });
    log.event(tx, {
      event: 'run.identical',
      modelId: model.modelId,
      subject: runSubject,
      from: run.state,
      to: 'evaluated',
      actor: 'on-eval-complete',
      reason,
    });
    const followUp = startFollowUp(deps, tx, log, run, model, at);
    tx.set(COLLECTIONS.models, model.modelId, { ...nextModel, inFlightRunId: followUp?.runId ?? null });
    if (followUp) effects.push(launchEffect(followUp));
    return { outcome: { kind: 'identical', runId, version: evidence.identicalTo }, effects, messages: log.messages };
  }
  const { evaluation } = evidence;
  const champion = model.champion
    ? {
        version: model.champion.version,
        contractHash: model.champion.contractHash,
        datasetFingerprint: model.champion.datasetFingerprint,
      }
    : undefined;
  const version = nextVersion(versionIds, champion, {
    contractHash: evaluation.lineage.contractHash,
    datasetFingerprint: evaluation.lineage.datasetFingerprint,
  });
  const gate = evaluateGate({
    candidate: evaluation.metrics,
    baselineModel: evaluation.baselineMetrics,
    champion: evidence.championMetrics,
    validationPassed: evaluation.validationPassed,
    servability: evidence.servability,
    policy,
  });
  const blessed = gate.kind === 'blessed';
  const autoApprove = blessed && policy.autoApprove;
  const finalState = !blessed ? 'rejected' : autoApprove ? 'approved' : 'blessed';
  const history = [
    { to: 'registered', at, actor: 'on-eval-complete', reason: `run ${runId}` },
    {
      from: 'registered',
      to: blessed ? 'blessed' : 'rejected',
      at,
      actor: 'on-eval-complete',
      reason: blessed ? 'passed the gate' : gate.kind === 'rejected' ? gate.reasons.join('; ') : '',
    },
  ];
  if (autoApprove)
    history.push({ from: 'blessed', to: 'approved', at, actor: 'automation', reason: 'policy autoApprove' });
  const versionDoc: VersionDoc = {
    modelId: model.modelId,
    version,
    state: finalState,
    runId,
    artifactUri: run.artifactUri,
    metrics: evaluation.metrics,
    baselineMetrics: evaluation.baselineMetrics,
    gate: {
      verdict: blessed ? 'blessed' : 'rejected',
      reasons: gate.kind === 'rejected' ? gate.reasons : [],
      evidence: gate.evidence,
    },
    lineage: {
      ...evaluation.lineage,
      runId,
      dataUri: run.dataUri,
      reasons: run.reasons,
      requestedBy: requestersOf(run),
    },
    approvals: autoApprove ? [{ actor: 'automation', at, reason: 'policy autoApprove' }] : [],
    stateHistory: history,
    createdAt: at,
    updatedAt: at,
    ...(evidence.championMetrics ? { championMetricsOnSameData: evidence.championMetrics } : {}),
  };
  tx.set(COLLECTIONS.versions(model.modelId), version, versionDoc);
  tx.set(COLLECTIONS.runs, runId, { ...run, state: 'evaluated', version, updatedAt: at, finishedAt: at });
  const vSubject = { kind: 'version' as const, id: version };
  log.event(tx, {
    event: 'run.succeeded',
    modelId: model.modelId,
    subject: runSubject,
    from: run.state,
    to: 'evaluated',
    actor: 'on-eval-complete',
    reason: `registered ${version}`,
  });
  log.event(tx, {
    event: 'version.registered',
    modelId: model.modelId,
    subject: vSubject,
    to: 'registered',
    actor: 'on-eval-complete',
    reason: `from run ${runId}`,
    evidence: { metrics: evaluation.metrics },
  });
  log.event(tx, {
    event: blessed ? 'version.blessed' : 'version.rejected',
    modelId: model.modelId,
    subject: vSubject,
    from: 'registered',
    to: blessed ? 'blessed' : 'rejected',
    actor: 'on-eval-complete',
    reason: blessed ? 'all gate checks passed' : gate.kind === 'rejected' ? gate.reasons.join('; ') : '',
    evidence: { checks: gate.evidence },
  });
  if (autoApprove) {
    log.event(tx, {
      event: 'version.approved',
      modelId: model.modelId,
      subject: vSubject,
      from: 'blessed',
      to: 'approved',
      actor: 'automation',
      reason: 'policy autoApprove',
    });
    log.command(
      'promotions',
      {
        type: 'promotion.command',
        action: model.championVersion ? 'canary' : 'promote',
        modelId: model.modelId,
        version,
        actor: 'automation',
        reason: model.championVersion ? `canary of ${version} after gate` : `first model ${version}`,
      },
      `deploy ${version}`,
    );
  } else if (blessed) {
    log.event(tx, {
      event: 'approval-needed',
      modelId: model.modelId,
      subject: vSubject,
      to: 'blessed',
      actor: 'on-eval-complete',
      reason: `${version} passed the gate and waits for an approver (${policy.approvers.join(', ')})`,
    });
  }
  const followUp = startFollowUp(deps, tx, log, run, model, at);
  tx.set(COLLECTIONS.models, model.modelId, {
    ...nextModel,
    versionList: [...versionIds, version],
    inFlightRunId: followUp?.runId ?? null,
  });
  if (followUp) effects.push(launchEffect(followUp));
  return { outcome: { kind: blessed ? 'blessed' : 'rejected', version, runId }, effects, messages: log.messages };
}

/** The follow-up a run collected while in flight; it trains under the model's contract (a landing may have set a new one). */
function startFollowUp(
  deps: ServiceDeps,
  tx: Transaction,
  log: DecisionLog,
  run: RunDoc,
  model: ModelDoc,
  at: string,
): RunDoc | undefined {
  if (!run.followUp) return undefined;
  const next = {
    ...newRun(
      deps,
      derivedId('run', `${run.runId}#follow-up`),
      run.modelId,
      run.followUp.reasons,
      run.followUp.dataUri ?? run.dataUri,
      model.contractUri ?? run.contractUri,
      run.correlationId,
      at,
      1,
    ),
    requestedBy: requestersOf(run.followUp),
  };
  tx.set(COLLECTIONS.runs, next.runId, next);
  log.event(tx, {
    event: 'run.requested',
    modelId: run.modelId,
    subject: { kind: 'run', id: next.runId },
    to: 'requested',
    actor: 'on-eval-complete',
    reason: `follow-up of ${run.runId}: ${run.followUp.reasons.join(', ')}`,
  });
  return next;
}

/**
 * Whether two runs served the same model: the files under their `model/` folders hash alike, by name
 * and content, JSON compared without its `name` fields (TensorFlow.js numbers layers per process, so
 * the same network trained twice in one process gets other names). No model files proves nothing (false).
 */
async function sameModel(deps: ServiceDeps, championUri: string, candidateUri: string): Promise<boolean> {
  const candidate = await modelDigest(deps, candidateUri);
  return candidate !== undefined && candidate === (await modelDigest(deps, championUri));
}

/** The digest of a run's `model/` files (undefined when it has none). */
export async function modelDigest(
  deps: Pick<ServiceDeps, 'artifacts'>,
  artifactUri: string,
): Promise<string | undefined> {
  const root = `${artifactUri.replace(/\/+$/, '')}/model/`;
  const files = (await deps.artifacts.list(root)).sort();
  if (files.length === 0) return undefined;
  const hash = createHash('sha256');
  for (const file of files) {
    const bytes = await deps.artifacts.read(file);
    hash
      .update(file.slice(root.length))
      .update('\u0000')
      .update(file.endsWith('.json') ? withoutNames(bytes) : bytes)
      .update('\u0000');
  }
  return hash.digest('hex');
}

function withoutNames(bytes: Uint8Array): string {
  const text = new TextDecoder().decode(bytes);
  try {
    return JSON.stringify(
      JSON.parse(text, (key, value: unknown) => (key === 'name' && typeof value === 'string' ? undefined : value)),
    );
  } catch {
    return text;
  }
}
