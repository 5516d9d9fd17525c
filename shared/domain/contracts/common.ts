/**
 * Field schemas shared by every topic contract: model ids, semver, datetimes, URIs and the
 * idempotency/correlation keys every command may carry.
 */
import { z } from 'zod';

/** The model a message is about when it does not say. */
export const DEFAULT_MODEL_ID = 'ipo-valuation';

/** Lower-case slug: a letter, then letters, digits or dashes (2-63 chars). */
export const MODEL_ID_PATTERN = /^[a-z][a-z0-9-]{1,62}$/;

/** `MAJOR.MINOR.PATCH`, digits only. */
export const SEMVER_PATTERN = /^\d+\.\d+\.\d+$/;

/** A `gs://bucket[/path]` or `file://...` URI. */
export const DATA_URI_PATTERN = /^(gs:\/\/[a-z0-9][a-z0-9._-]*[a-z0-9](\/.*)?|file:\/\/.+)$/;

/** A model id (required, no default). */
export const modelIdSchema = z.string().regex(MODEL_ID_PATTERN, 'must be a lower-case slug like "ipo-valuation"');

/** A model id that defaults to {@link DEFAULT_MODEL_ID} when omitted. */
export const modelIdField = modelIdSchema.default(DEFAULT_MODEL_ID).describe('Model id; defaults to "ipo-valuation"');

/** A semantic version string. */
export const semverSchema = z.string().regex(SEMVER_PATTERN, 'must be a semantic version like "1.4.0"');

/** An ISO-8601 datetime with `Z` or an offset. */
export const isoDatetimeSchema = z.iso.datetime({
  offset: true,
  message: 'must be an ISO-8601 datetime like "2024-01-31T12:00:00Z"',
});

/** A data location. */
export const dataUriSchema = z.string().regex(DATA_URI_PATTERN, 'must be a gs://bucket/path or file:// URI');

/** A non-empty string. */
export const nonEmpty = z.string().min(1, 'must not be empty');

/** A free-form JSON object. */
export const jsonObjectSchema = z.record(z.string(), z.unknown());

/** The optional keys an operator may set on a command; the decoder always fills them. */
export const commandKeyFields = {
  idempotencyKey: nonEmpty.max(500).optional().describe('Dedupe key; derived from the message identity when omitted'),
  correlationId: nonEmpty
    .max(500)
    .optional()
    .describe('Correlation id for logs and audit; defaults to the idempotency key'),
};

/** The keys every decoded command carries. */
export interface CommandKeys {
  /** The key the idempotency ledger dedupes on (given, or derived from the natural identity). */
  idempotencyKey: string;
  /** Ties together every log line and audit record caused by this command. */
  correlationId: string;
}

/** A decoded command: the parsed input with its keys filled (distributes over unions). */
export type WithKeys<T> = T extends unknown ? Omit<T, 'idempotencyKey' | 'correlationId'> & CommandKeys : never;
