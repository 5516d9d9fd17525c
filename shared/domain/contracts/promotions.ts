/** Contract of the `promotions` topic: approval, deployment and traffic commands, and policy updates, for a model. */
import { z } from 'zod';
import { policyPatchSchema } from '../lifecycle/policy-update.js';
import { commandKeyFields, modelIdField, nonEmpty, semverSchema, type WithKeys } from './common.js';

/** The message types the `promotions` topic carries. */
export const PROMOTIONS_MESSAGE_TYPES = ['promotion.command', 'policy.update'] as const;
/** A `promotions` message type. */
export type PromotionsMessageType = (typeof PROMOTIONS_MESSAGE_TYPES)[number];

/** Every promotion action. */
export const PROMOTION_ACTIONS = [
  'approve',
  'reject',
  'canary',
  'promote',
  'rollback',
  'set-traffic',
  'retire',
] as const;
/** A promotion action. */
export type PromotionAction = (typeof PROMOTION_ACTIONS)[number];

const common = {
  type: z.literal('promotion.command'),
  modelId: modelIdField,
  actor: nonEmpty.describe('Who issues the command (user or function)'),
  reason: nonEmpty.optional(),
  requestedBy: nonEmpty
    .optional()
    .describe(
      'Who asked for this version (adds to the requester recorded on the version; four-eyes never trusts its absence)',
    ),
  ...commandKeyFields,
};

/** A traffic split by version: integer percentages that sum to 100. */
export const trafficSplitSchema = z
  .record(semverSchema, z.number().int().min(0).max(100))
  .superRefine((traffic, ctx) => {
    const sum = Object.values(traffic).reduce((a, b) => a + b, 0);
    if (sum !== 100) ctx.addIssue({ code: 'custom', message: `percentages must sum to 100 (got ${sum})` });
  });

const variant = <A extends PromotionAction, S extends z.ZodRawShape>(action: A, shape: S, description: string) =>
  z
    .strictObject({ ...common, action: z.literal(action), ...shape })
    .meta({ title: `promotion ${action}`, description });

/** What a publisher sends on `promotions`, discriminated on `action`. */
export const promotionInputSchema = z
  .discriminatedUnion('action', [
    variant('approve', { version: semverSchema }, 'Approve a blessed version for deployment.'),
    variant('reject', { version: semverSchema, reason: nonEmpty }, 'Reject a version.'),
    variant(
      'canary',
      { version: semverSchema, percent: z.number().int().min(1).max(99).optional() },
      'Deploy a version as canary.',
    ),
    variant('promote', { version: semverSchema }, 'Make a version the champion (100% traffic).'),
    variant(
      'rollback',
      { version: semverSchema.optional(), reason: nonEmpty },
      'Return traffic to the last known-good version.',
    ),
    variant('set-traffic', { traffic: trafficSplitSchema }, 'Set the traffic split explicitly.'),
    variant('retire', { version: semverSchema }, 'Undeploy and retire a version.'),
  ])
  .meta({ title: 'promotion.command', description: 'An approval, deployment or traffic command.' });

/** The JSON a publisher sends on `promotions`. */
export type PromotionCommandInput = z.input<typeof promotionInputSchema>;
/** A decoded promotion command (keys filled), narrowed by `action`. */
export type PromotionCommand = WithKeys<z.output<typeof promotionInputSchema>>;

/** `policy.update`: change fields of a model's policy (approvers only); the rest of the policy is kept. */
export const policyUpdateInputSchema = z
  .strictObject({
    type: z.literal('policy.update'),
    modelId: modelIdField,
    actor: nonEmpty.describe('Who changes the policy (must be on the approver list)'),
    policy: policyPatchSchema
      .refine((p) => Object.keys(p).length > 0, { message: 'must change at least one field' })
      .describe(
        'The fields to change, merged field by field onto the current policy (objects merge, arrays replace; null resets a field to its default)',
      ),
    reason: nonEmpty.optional(),
    ...commandKeyFields,
  })
  .meta({
    title: 'policy.update',
    description:
      'Change fields of a model policy: gate thresholds and scale, approvers, canary percent, experiment, retrain, drift settings.',
  });

/** The JSON a publisher sends to update a policy. */
export type PolicyUpdateInput = z.input<typeof policyUpdateInputSchema>;
/** A decoded `policy.update` message. */
export type PolicyUpdateCommand = WithKeys<z.output<typeof policyUpdateInputSchema>>;

/** Every shape the `promotions` topic accepts, by message type. */
export const PROMOTIONS_SHAPES = {
  'promotion.command': promotionInputSchema,
  'policy.update': policyUpdateInputSchema,
} as const satisfies Record<PromotionsMessageType, z.ZodType>;

/** A decoded `promotions` message: a promotion command or a policy update. */
export type PromotionsMessage = PromotionCommand | PolicyUpdateCommand;
