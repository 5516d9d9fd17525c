/** Contract of the `promotions` topic: approval, deployment and traffic commands for a model. */
import { z } from 'zod';
import { commandKeyFields, modelIdField, nonEmpty, semverSchema, type WithKeys } from './common.js';

/** Every promotion action. */
export const PROMOTION_ACTIONS = ['approve', 'reject', 'canary', 'promote', 'rollback', 'set-traffic', 'retire'] as const;
/** A promotion action. */
export type PromotionAction = (typeof PROMOTION_ACTIONS)[number];

const common = {
  type: z.literal('promotion.command'),
  modelId: modelIdField,
  actor: nonEmpty.describe('Who issues the command (user or function)'),
  reason: nonEmpty.optional(),
  requestedBy: nonEmpty.optional(),
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
  z.strictObject({ ...common, action: z.literal(action), ...shape }).meta({ title: `promotion ${action}`, description });

/** What a publisher sends on `promotions`, discriminated on `action`. */
export const promotionInputSchema = z
  .discriminatedUnion('action', [
    variant('approve', { version: semverSchema }, 'Approve a blessed version for deployment.'),
    variant('reject', { version: semverSchema, reason: nonEmpty }, 'Reject a version.'),
    variant('canary', { version: semverSchema, percent: z.number().int().min(1).max(99).optional() }, 'Deploy a version as canary.'),
    variant('promote', { version: semverSchema }, 'Make a version the champion (100% traffic).'),
    variant('rollback', { version: semverSchema.optional(), reason: nonEmpty }, 'Return traffic to the last known-good version.'),
    variant('set-traffic', { traffic: trafficSplitSchema }, 'Set the traffic split explicitly.'),
    variant('retire', { version: semverSchema }, 'Undeploy and retire a version.'),
  ])
  .meta({ title: 'promotion.command', description: 'An approval, deployment or traffic command.' });

/** The JSON a publisher sends on `promotions`. */
export type PromotionCommandInput = z.input<typeof promotionInputSchema>;
/** A decoded promotion command (keys filled), narrowed by `action`. */
export type PromotionCommand = WithKeys<z.output<typeof promotionInputSchema>>;
