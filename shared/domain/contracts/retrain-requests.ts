/** Contract of the `retrain-requests` topic: somebody or something asks for a new training run. */
import { z } from 'zod';
import {
  commandKeyFields,
  dataUriSchema,
  isoDatetimeSchema,
  jsonObjectSchema,
  modelIdField,
  nonEmpty,
  type WithKeys,
} from './common.js';

/** Why a retrain was requested. */
export const RETRAIN_REASONS = ['schedule', 'new-data', 'drift', 'performance', 'freshness', 'manual'] as const;
/** A retrain reason. */
export type RetrainReason = (typeof RETRAIN_REASONS)[number];

/** What a publisher sends on `retrain-requests`. */
export const retrainRequestInputSchema = z
  .strictObject({
    type: z.literal('retrain.requested'),
    modelId: modelIdField,
    reason: z.enum(RETRAIN_REASONS),
    requestedBy: nonEmpty.describe('Who asked: a user, a scheduler job name or a function name'),
    dataUri: dataUriSchema.optional(),
    details: jsonObjectSchema.optional(),
    scheduledTime: isoDatetimeSchema.optional().describe('Scheduler tick time; part of the dedupe key'),
    ...commandKeyFields,
  })
  .meta({ title: 'retrain.requested', description: 'A request to train a new model version.' });

/** Stop a training run: the named one, or the model's run in flight. */
export const runCancelInputSchema = z
  .strictObject({
    type: z.literal('run.cancel'),
    modelId: modelIdField,
    runId: nonEmpty.max(200).optional().describe("The run to cancel; defaults to the model's run in flight"),
    actor: nonEmpty.max(200).describe('Who cancels it'),
    reason: nonEmpty.max(2000).optional(),
    ...commandKeyFields,
  })
  .meta({
    title: 'run.cancel',
    description: 'Cancel a training run in flight; it ends cancelled when the pipeline reports back.',
  });

/** The JSON a publisher sends on `retrain-requests`. */
export type RetrainRequestInput = z.input<typeof retrainRequestInputSchema>;
/** A decoded `retrain.requested` message. */
export type RetrainRequest = WithKeys<z.output<typeof retrainRequestInputSchema>>;
/** A decoded `run.cancel` command. */
export type RunCancel = WithKeys<z.output<typeof runCancelInputSchema>>;
/** Anything decoded from `retrain-requests`. */
export type RetrainTopicMessage = RetrainRequest | RunCancel;
