/**
 * Cloud Monitoring incident notifications (schema 1.2), received by the HTTP webhook or as the
 * data of a Pub/Sub notification channel. Unknown extra fields are tolerated.
 */
import { z } from 'zod';
import { jsonObjectSchema, nonEmpty } from './common.js';

/** Incident states. */
export const INCIDENT_STATES = ['open', 'closed'] as const;
/** An incident state. */
export type IncidentState = (typeof INCIDENT_STATES)[number];

const labels = z.record(z.string(), z.string()).nullish();
/** The last second of year 9999: later instants have no ISO-8601 form (and are no real incident time). */
export const MAX_UNIX_SECONDS = 253_402_300_799;
const unixSeconds = z.number().int().min(0).max(MAX_UNIX_SECONDS, 'must be unix seconds no later than 9999-12-31');
/** A numeric value Google sends as a string (sometimes as a number). */
const numericString = z.union([z.string(), z.number()]).nullish();

/** The `incident` object (documented fields; anything else passes through into `raw`). */
export const monitoringIncidentSchema = z.looseObject({
  incident_id: nonEmpty,
  state: z.enum(INCIDENT_STATES),
  policy_name: z.string(),
  condition_name: z.string(),
  summary: z.string(),
  started_at: unixSeconds.describe('Unix seconds'),
  ended_at: unixSeconds.nullish().describe('Unix seconds; absent or null while open'),
  threshold_value: numericString,
  observed_value: numericString,
  url: z.string().nullish(),
  severity: z.string().nullish(),
  metric: z.looseObject({ type: z.string().nullish(), displayName: z.string().nullish(), labels }).nullish(),
  resource: z.looseObject({ type: z.string().nullish(), labels }).nullish(),
  policy_user_labels: labels,
});

/** The whole notification body: `{ incident, version }`. */
export const monitoringNotificationSchema = z
  .looseObject({
    incident: monitoringIncidentSchema,
    version: z.string().regex(/^1\.\d+$/, 'must be a 1.x notification schema version (expected "1.2")'),
  })
  .meta({
    title: 'Cloud Monitoring incident (schema 1.2)',
    description: 'Sent by a Pub/Sub notification channel or the webhook.',
  });

/** The parsed notification body. */
export type MonitoringNotification = z.output<typeof monitoringNotificationSchema>;

/** A decoded Cloud Monitoring incident. */
export interface MonitoringIncident {
  type: 'monitoring.incident';
  incidentId: string;
  state: IncidentState;
  policyName: string;
  conditionName: string;
  metricType?: string;
  summary: string;
  /** ISO-8601. */
  startedAt: string;
  /** ISO-8601; absent while open. */
  endedAt?: string;
  observedValue?: number;
  thresholdValue?: number;
  modelId: string;
  /** The incident object as received. */
  raw: z.output<typeof jsonObjectSchema>;
}
