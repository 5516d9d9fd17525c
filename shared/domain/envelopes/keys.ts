/** Key derivation shared by the payload decoders: explicit key, then attribute, then natural identity. */
import type { z } from 'zod';
import { ValidationError } from '../errors.js';
import { zodIssues, type CommandKeys } from '../contracts/index.js';
import type { MessageMeta } from './decoded.js';

/** A non-empty message attribute. */
export function attribute(meta: MessageMeta, name: string): string | undefined {
  const v = meta.attributes[name];
  return v === undefined || v === '' ? undefined : v;
}

/** Fill `idempotencyKey` (payload, then attribute, then `natural`) and `correlationId` (defaults to the key). */
export function commandKeys(
  payload: { idempotencyKey?: string; correlationId?: string },
  meta: MessageMeta,
  natural: string,
): CommandKeys {
  const idempotencyKey = payload.idempotencyKey ?? attribute(meta, 'idempotencyKey') ?? natural;
  const correlationId = payload.correlationId ?? attribute(meta, 'correlationId') ?? idempotencyKey;
  return { idempotencyKey, correlationId };
}

/** Keys of a fact (not a command): dedupe on its natural identity; attributes may only name the key and correlation. */
export function factKeys(meta: MessageMeta, dedupeKey: string): CommandKeys & { dedupeKey: string } {
  const idempotencyKey = attribute(meta, 'idempotencyKey') ?? dedupeKey;
  return { dedupeKey, idempotencyKey, correlationId: attribute(meta, 'correlationId') ?? idempotencyKey };
}

/** The scheduler tick time: the `scheduledTime` attribute, else the payload field. */
export function scheduledTimeOf(meta: MessageMeta, field: string | undefined): string | undefined {
  return attribute(meta, 'scheduledTime') ?? field;
}

/** Parse with a schema or throw a ValidationError listing every issue. */
export function parseOrThrow<S extends z.ZodType>(schema: S, json: unknown, what: string, prefix = ''): z.output<S> {
  const result = schema.safeParse(json, { reportInput: true });
  if (!result.success) throw new ValidationError(what, zodIssues(result.error, prefix));
  return result.data;
}
