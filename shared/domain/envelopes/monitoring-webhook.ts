/** Cloud Monitoring incidents (schema 1.2), as webhook body or Pub/Sub channel data, -> `monitoring.incident`. */
import { ValidationError, type Issue } from '../errors.js';
import {
  DEFAULT_MODEL_ID,
  MODEL_ID_PATTERN,
  monitoringNotificationSchema,
  type MonitoringIncident,
  type MonitoringNotification,
} from '../contracts/index.js';
import type { DecodedTopicMessage, MessageMeta } from './decoded.js';
import { asJsonObject } from './json-value.js';
import { factKeys, parseOrThrow } from './keys.js';

const WHAT = 'Cloud Monitoring incident';

/** Decode the webhook's JSON body (object, text or bytes); keys are `incident_id#state`. */
export function decodeMonitoringWebhookBody(json: unknown): DecodedTopicMessage<'drift-alerts'> {
  const issues: Issue[] = [];
  const body = asJsonObject(json, '', issues);
  if (body === undefined) throw new ValidationError(WHAT, issues);
  return decodeMonitoringIncident(body, { messageId: '', attributes: {} });
}

/** Decode an incident notification object; dedupe on `incident_id#state`. */
export function decodeMonitoringIncident(json: unknown, meta: MessageMeta): DecodedTopicMessage<'drift-alerts'> {
  const payload = incidentFromNotification(parseOrThrow(monitoringNotificationSchema, json, WHAT));
  return { topic: 'drift-alerts', payload, ...factKeys(meta, `${payload.incidentId}#${payload.state}`) };
}

/** Convert a validated notification into the decoded incident (unix seconds -> ISO, strings -> numbers). */
export function incidentFromNotification(body: MonitoringNotification): MonitoringIncident {
  const i = body.incident;
  const out: MonitoringIncident = {
    type: 'monitoring.incident',
    incidentId: i.incident_id,
    state: i.state,
    policyName: i.policy_name,
    conditionName: i.condition_name,
    summary: i.summary,
    startedAt: new Date(i.started_at * 1000).toISOString(),
    modelId: modelIdOf(body),
    raw: { ...i },
  };
  if (i.metric?.type) out.metricType = i.metric.type;
  if (i.ended_at !== undefined && i.ended_at !== null) out.endedAt = new Date(i.ended_at * 1000).toISOString();
  const observed = toNumber(i.observed_value);
  if (observed !== undefined) out.observedValue = observed;
  const threshold = toNumber(i.threshold_value);
  if (threshold !== undefined) out.thresholdValue = threshold;
  return out;
}

function modelIdOf(body: MonitoringNotification): string {
  const i = body.incident;
  const candidates: Array<[string, string | undefined]> = [
    ['incident.policy_user_labels.model_id', i.policy_user_labels?.model_id],
    ['incident.metric.labels.model_id', i.metric?.labels?.model_id],
  ];
  for (const [path, value] of candidates) {
    if (value === undefined || value === '') continue;
    if (!MODEL_ID_PATTERN.test(value))
      throw new ValidationError(WHAT, [{ path, message: 'must be a lower-case slug like "ipo-valuation"' }]);
    return value;
  }
  return DEFAULT_MODEL_ID;
}

function toNumber(value: string | number | null | undefined): number | undefined {
  if (value === undefined || value === null || value === '') return undefined;
  const n = Number(value);
  return Number.isFinite(n) ? n : undefined;
}
