/** Decoders of the single-shape topics: data-landed, retrain-requests, promotions, lifecycle-events. */
import {
  dataLandedInputSchema,
  lifecycleEventSchema,
  policyUpdateInputSchema,
  promotionInputSchema,
  retrainRequestInputSchema,
  runCancelInputSchema,
  type PolicyUpdateCommand,
  type PromotionCommand,
} from '../contracts/index.js';
import type { DecodedTopicMessage, MessageMeta } from './decoded.js';
import { attribute, commandKeys, parseOrThrow, scheduledTimeOf } from './keys.js';

/** `data.landed`: dedupe on the key, else the data URI. */
export function decodeDataLanded(json: unknown, meta: MessageMeta): DecodedTopicMessage<'data-landed'> {
  const p = parseOrThrow(dataLandedInputSchema, json, 'data-landed message');
  const keys = commandKeys(p, meta, p.dataUri);
  return { topic: 'data-landed', payload: { ...p, ...keys }, dedupeKey: keys.idempotencyKey, ...keys };
}

/** `retrain.requested`: dedupe on the key, else `requestedBy@scheduledTime`, else the message id. */
export function decodeRetrainRequest(json: unknown, meta: MessageMeta): DecodedTopicMessage<'retrain-requests'> {
  const p = parseOrThrow(retrainRequestInputSchema, json, 'retrain-requests message');
  const tick = scheduledTimeOf(meta, p.scheduledTime);
  const keys = commandKeys(p, meta, tick === undefined ? meta.messageId : `${p.requestedBy}@${tick}`);
  return { topic: 'retrain-requests', payload: { ...p, ...keys }, dedupeKey: keys.idempotencyKey, ...keys };
}

/** `run.cancel`: dedupe on the key, else the message id. */
export function decodeRunCancel(json: unknown, meta: MessageMeta): DecodedTopicMessage<'retrain-requests'> {
  const p = parseOrThrow(runCancelInputSchema, json, 'retrain-requests message');
  const keys = commandKeys(p, meta, meta.messageId);
  return { topic: 'retrain-requests', payload: { ...p, ...keys }, dedupeKey: keys.idempotencyKey, ...keys };
}

/** `promotion.command`: dedupe on the key, else the message id. */
export function decodePromotion(json: unknown, meta: MessageMeta): DecodedTopicMessage<'promotions'> {
  const p = parseOrThrow(promotionInputSchema, json, 'promotions message');
  const keys = commandKeys(p, meta, meta.messageId);
  const payload = { ...p, ...keys } as PromotionCommand;
  return { topic: 'promotions', payload, dedupeKey: keys.idempotencyKey, ...keys };
}

/** `policy.update`: dedupe on the key, else the message id. */
export function decodePolicyUpdate(json: unknown, meta: MessageMeta): DecodedTopicMessage<'promotions'> {
  const p = parseOrThrow(policyUpdateInputSchema, json, 'promotions message');
  const keys = commandKeys(p, meta, meta.messageId);
  const payload = { ...p, ...keys } as PolicyUpdateCommand;
  return { topic: 'promotions', payload, dedupeKey: keys.idempotencyKey, ...keys };
}

/** `lifecycle.event`: dedupe on the `idempotencyKey` attribute, else the message id. */
export function decodeLifecycleEvent(json: unknown, meta: MessageMeta): DecodedTopicMessage<'lifecycle-events'> {
  const p = parseOrThrow(lifecycleEventSchema, json, 'lifecycle-events message');
  const key = attribute(meta, 'idempotencyKey') ?? meta.messageId;
  return { topic: 'lifecycle-events', payload: p, dedupeKey: key, idempotencyKey: key, correlationId: p.correlationId };
}
