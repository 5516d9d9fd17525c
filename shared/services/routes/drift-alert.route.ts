/**
 * on-drift-alert's route: Cloud Monitoring incidents (Pub/Sub channel or the HTTP webhook), Vertex
 * anomaly log entries, the scheduled monitor check and operator drift reports -> confirm ->
 * roll back a live canary or request a debounced retrain; operators' alert commands -> ack / close.
 */
import type { Route } from '../edge.js';
import { handleAlertCommand } from '../alert-command.service.js';
import { handleAlert, type AlertInput } from '../drift-alert.service.js';
import { confirmExternalAlert, runScheduledCheck } from '../monitor.service.js';
import { PermanentError } from '../../domain/errors.js';
import {
  DRIFT_SIGNALS,
  type DriftSignal,
  type MonitoringIncident,
  type VertexAnomaly,
} from '../../domain/contracts/index.js';

/** Which signal a Cloud Monitoring incident carries: the policy's `signal` label, else guessed from the metric. */
export function incidentSignal(incident: MonitoringIncident): DriftSignal {
  const labels = (incident.raw.policy_user_labels ?? {}) as Record<string, unknown>;
  const label = DRIFT_SIGNALS.find((s) => s === labels.signal);
  if (label !== undefined) return label;
  const metric = `${incident.metricType ?? ''} ${incident.conditionName}`.toLowerCase();
  if (metric.includes('skew')) return 'skew';
  if (metric.includes('fresh')) return 'freshness';
  if (metric.includes('r2') || metric.includes('error') || metric.includes('mape') || metric.includes('performance'))
    return 'performance';
  return 'drift';
}

function anomalyAlert(a: VertexAnomaly): AlertInput {
  const worst = [...a.features].sort((x, y) => y.deviation - x.deviation)[0];
  return {
    source: 'vertex-anomaly',
    modelId: a.modelId,
    state: 'open',
    signal: a.objective.includes('SKEW') ? 'skew' : 'drift',
    summary: `${a.objective}: ${a.features.length} feature(s) over threshold${worst ? `, worst ${worst.name} ${worst.deviation} > ${worst.threshold}` : ''}`,
    evidence: {
      objective: a.objective,
      features: a.features,
      deployedModelId: a.deployedModelId,
      window: [a.startTime, a.endTime],
    },
  };
}

function incidentAlert(i: MonitoringIncident): AlertInput {
  return {
    incidentId: i.incidentId,
    source: 'cloud-monitoring',
    modelId: i.modelId,
    state: i.state,
    signal: incidentSignal(i),
    summary: i.summary || i.policyName,
    evidence: {
      policy: i.policyName,
      condition: i.conditionName,
      metric: i.metricType ?? null,
      observed: i.observedValue ?? null,
      threshold: i.thresholdValue ?? null,
      startedAt: i.startedAt,
    },
  };
}

/** Route a decoded drift-alerts message to the monitor or the alert use case. Shared by the Pub/Sub trigger and the webhook. */
export const driftRoute: Route = async (deps, identity, message) => {
  const payload = message.payload;
  switch (payload.type) {
    case 'monitor.scheduled-check':
      return runScheduledCheck(deps, identity, payload.modelId);
    case 'drift.detected':
      return handleAlert(deps, identity, {
        source: payload.source,
        modelId: payload.modelId,
        state: 'open',
        signal: payload.signal,
        summary: payload.summary,
        evidence: payload.evidence,
        ...(payload.version ? { version: payload.version } : {}),
      });
    case 'monitoring.incident': {
      const alert = incidentAlert(payload);
      const confirmation =
        alert.state === 'open' && alert.signal !== 'freshness'
          ? await confirmExternalAlert(deps, alert.modelId, alert.signal)
          : undefined;
      return handleAlert(deps, identity, { ...alert, ...(confirmation ? { confirmation } : {}) });
    }
    case 'vertex.anomaly': {
      const alert = anomalyAlert(payload);
      return handleAlert(deps, identity, {
        ...alert,
        confirmation: await confirmExternalAlert(deps, alert.modelId, alert.signal),
      });
    }
    case 'alert.command':
      return handleAlertCommand(deps, identity, payload);
    default:
      throw new PermanentError(
        'CONTRACT.WRONG_TYPE',
        `type: on-drift-alert does not handle ${(payload as { type: string }).type}`,
      );
  }
};
