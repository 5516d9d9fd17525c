/**
 * Contract of the `drift-alerts` topic: the scheduled monitor tick, a drift finding, a Cloud
 * Monitoring incident (Pub/Sub channel) and a Vertex model-monitoring anomaly.
 */
import { z } from 'zod';
import {
  commandKeyFields,
  isoDatetimeSchema,
  jsonObjectSchema,
  modelIdField,
  nonEmpty,
  semverSchema,
  type WithKeys,
} from './common.js';
import type { MonitoringIncident } from './monitoring-incident.js';
import type { VertexAnomaly } from './vertex-anomaly.js';

/** What kind of degradation a finding reports. */
export const DRIFT_SIGNALS = ['drift', 'skew', 'performance', 'freshness'] as const;
/** A drift signal. */
export type DriftSignal = (typeof DRIFT_SIGNALS)[number];

/** Who reported a finding. */
export const DRIFT_SOURCES = ['monitor', 'operator'] as const;
/** A drift finding source. */
export type DriftSource = (typeof DRIFT_SOURCES)[number];

/** The scheduler's "run the monitor now" tick. */
export const scheduledCheckInputSchema = z
  .strictObject({
    type: z.literal('monitor.scheduled-check'),
    modelId: modelIdField,
    scheduledTime: isoDatetimeSchema.optional(),
    ...commandKeyFields,
  })
  .meta({ title: 'monitor.scheduled-check', description: 'Run drift, skew and performance checks now.' });

/** A finding from the monitor or an operator. */
export const driftDetectedInputSchema = z
  .strictObject({
    type: z.literal('drift.detected'),
    modelId: modelIdField,
    version: semverSchema.optional(),
    signal: z.enum(DRIFT_SIGNALS),
    source: z.enum(DRIFT_SOURCES),
    summary: nonEmpty,
    evidence: jsonObjectSchema,
    ...commandKeyFields,
  })
  .meta({ title: 'drift.detected', description: 'A drift, skew, performance or freshness finding.' });

/** What an operator can do to an alert (the console and `ipo-mlops alerts ack|close`). */
export const ALERT_COMMAND_ACTIONS = ['ack', 'close'] as const;
/** An alert command action. */
export type AlertCommandAction = (typeof ALERT_COMMAND_ACTIONS)[number];

/** An operator's acknowledgement or closing of an alert. */
export const alertCommandInputSchema = z
  .strictObject({
    type: z.literal('alert.command'),
    action: z.enum(ALERT_COMMAND_ACTIONS),
    alertId: nonEmpty.max(200).describe('The alert document id (alerts/{alertId})'),
    actor: nonEmpty.max(200).describe('Who acknowledges or closes it'),
    reason: nonEmpty.max(2000).optional().describe('Why; recorded on the alert and in the audit log'),
    ...commandKeyFields,
  })
  .meta({ title: 'alert.command', description: 'Acknowledge or close an alert, recording who and why.' });

/** A decoded scheduled check. */
export type ScheduledCheck = WithKeys<z.output<typeof scheduledCheckInputSchema>>;
/** A decoded drift finding. */
export type DriftDetected = WithKeys<z.output<typeof driftDetectedInputSchema>>;
/** A decoded alert command. */
export type AlertCommand = WithKeys<z.output<typeof alertCommandInputSchema>>;
/** Anything decoded from `drift-alerts`. */
export type DriftAlert = ScheduledCheck | DriftDetected | MonitoringIncident | VertexAnomaly | AlertCommand;
