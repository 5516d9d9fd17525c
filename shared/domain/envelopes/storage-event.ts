/** Cloud Storage `object.v1.finalized` payloads and their conversion to `data.landed`. */
import { z } from 'zod';
import { DEFAULT_MODEL_ID, type DataLanded } from '../contracts/index.js';
import type { StorageObjectEvent } from '../inbound.js';
import type { DecodedTopicMessage } from './decoded.js';

/** A count GCS sends as a string (e.g. `"352"`). */
const uintString = z.union([
  z.string().regex(/^\d+$/, 'must be a non-negative integer string'),
  z.number().int().min(0),
]);

/** The fields of a StorageObjectData we use (extra fields tolerated). */
export const storageObjectDataSchema = z.looseObject({
  bucket: z.string().min(1),
  name: z.string().min(1),
  generation: uintString,
  size: uintString,
  contentType: z.string().optional(),
  timeCreated: z.iso.datetime({ offset: true }),
  md5Hash: z.string().optional(),
});

/** Build the normalised event from validated object data. */
export function toStorageObjectEvent(
  eventId: string,
  data: z.output<typeof storageObjectDataSchema>,
): StorageObjectEvent {
  const evt: StorageObjectEvent = {
    kind: 'storage',
    eventId,
    bucket: data.bucket,
    name: data.name,
    generation: String(data.generation),
    size: Number(data.size),
    timeCreated: data.timeCreated,
  };
  if (data.contentType !== undefined) evt.contentType = data.contentType;
  if (data.md5Hash !== undefined) evt.md5Hash = data.md5Hash;
  return evt;
}

/** A finalized object as a `data.landed` message, keyed `bucket/name#generation` (overwrites are new data). */
export function decodeStorageAsDataLanded(
  evt: StorageObjectEvent,
  modelId = DEFAULT_MODEL_ID,
): DecodedTopicMessage<'data-landed'> {
  const key = `${evt.bucket}/${evt.name}#${evt.generation}`;
  const payload: DataLanded = {
    type: 'data.landed',
    modelId,
    dataUri: `gs://${evt.bucket}/${evt.name}`,
    snapshotAt: evt.timeCreated,
    source: 'gcs',
    sizeBytes: evt.size,
    idempotencyKey: key,
    correlationId: key,
  };
  return { topic: 'data-landed', payload, dedupeKey: key, idempotencyKey: key, correlationId: key };
}
