/** Contract of the `lifecycle-events` topic: one record per lifecycle transition, for operators and audit. */
import { z } from 'zod';
import { isoDatetimeSchema, jsonObjectSchema, modelIdSchema, nonEmpty } from './common.js';

/** Every lifecycle event name. */
export const LIFECYCLE_EVENTS = [
  'run.requested',
  'run.coalesced',
  'run.submitted',
  'run.succeeded',
  'run.failed',
  'run.retry-scheduled',
  'run.cancel-requested',
  'run.cancelled',
  'run.identical',
  'retrain.skipped',
  'version.registered',
  'version.blessed',
  'version.rejected',
  'approval-needed',
  'version.approved',
  'version.canary',
  'version.promoted',
  'version.rolled-back',
  'version.retired',
  'traffic.changed',
  'alert.opened',
  'alert.confirmed',
  'alert.acknowledged',
  'alert.resolved',
  'alert.ignored',
  'experiment.started',
  'experiment.extended',
  'experiment.concluded',
  'experiment.aborted',
  'policy.updated',
  'message.rejected',
] as const;
/** A lifecycle event name. */
export type LifecycleEventName = (typeof LIFECYCLE_EVENTS)[number];

/** What a lifecycle event is about. */
export const SUBJECT_KINDS = ['model', 'run', 'version', 'deployment', 'alert', 'experiment', 'message'] as const;
/** A subject kind. */
export type SubjectKind = (typeof SUBJECT_KINDS)[number];

/** A lifecycle event as published by every function after each transition. */
export const lifecycleEventSchema = z
  .strictObject({
    type: z.literal('lifecycle.event'),
    event: z.enum(LIFECYCLE_EVENTS),
    modelId: modelIdSchema,
    subject: z.strictObject({ kind: z.enum(SUBJECT_KINDS), id: nonEmpty }),
    from: z.string().optional(),
    to: z.string().optional(),
    actor: nonEmpty,
    reason: nonEmpty,
    evidence: jsonObjectSchema.optional(),
    correlationId: nonEmpty,
    occurredAt: isoDatetimeSchema,
  })
  .meta({ title: 'lifecycle.event', description: 'A lifecycle transition, with who, why and evidence.' });

/** The JSON of a lifecycle event. */
export type LifecycleEventInput = z.input<typeof lifecycleEventSchema>;
/** A decoded lifecycle event. */
export type LifecycleEvent = z.output<typeof lifecycleEventSchema>;
