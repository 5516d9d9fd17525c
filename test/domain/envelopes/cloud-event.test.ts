import { describe, expect, it } from 'vitest';
import {
  decodeCloudEvent,
  decodeStorageAsDataLanded,
  decodeTopicMessage,
} from '../../../shared/domain/envelopes/index.js';
import type { InboundMessage, StorageObjectEvent } from '../../../shared/domain/inbound.js';
import { binaryToCloudEvent, fixture, type BinaryRequest } from '../../fixtures/envelopes/load.js';
import { issuePaths, issuesOf } from './issues.js';

const structured = () => fixture('pubsub-structured.json');
const withMessage = (patch: Record<string, unknown>) => {
  const ce = structured();
  const data = ce.data as { message: Record<string, unknown> };
  return { ...ce, data: { ...data, message: { ...data.message, ...patch } } };
};

describe('decodeCloudEvent: Pub/Sub messagePublished', () => {
  it('decodes the Eventarc binary-mode request after the framework parsed it', () => {
    const msg = decodeCloudEvent(binaryToCloudEvent(fixture<BinaryRequest>('pubsub-binary.json'))) as InboundMessage;
    expect(msg).toMatchObject({
      kind: 'pubsub',
      topic: undefined,
      messageId: '3103425958877813',
      publishTime: '2021-02-05T04:06:14.109Z',
      attributes: { attr1: 'attr1-value' },
      orderingKey: 'ordering-key',
    });
    expect(msg.data.toString('utf8')).toBe('test message 3');
  });

  it('decodes the structured example, preferring the message id over the event id', () => {
    const msg = decodeCloudEvent(structured()) as InboundMessage;
    expect(msg.messageId).toBe('message-id');
    expect(msg.data.toString()).toBe('test message 3');
    expect(msg.deliveryAttempt).toBeUndefined();
  });

  it('tolerates the push-converted form (extra @type, no subscription) and recovers a known topic', () => {
    const msg = decodeCloudEvent(fixture('pubsub-push-converted.json')) as InboundMessage;
    expect(msg.topic).toBe('promotions');
    expect(msg.messageId).toBe('2070443601311540');
    expect(msg.data.toString()).toBe('Hello Cloud Pub/Sub! Here is my message!');
  });

  it.each([
    ['an object', (d: unknown) => d],
    ['a JSON string', (d: unknown) => JSON.stringify(d)],
    ['a Buffer', (d: unknown) => Buffer.from(JSON.stringify(d))],
  ])('accepts data given as %s', (_name, wrap) => {
    const ce = structured();
    expect(decodeCloudEvent({ ...ce, data: wrap(ce.data) })).toEqual(decodeCloudEvent(ce));
  });

  it('accepts snake_case message_id / publish_time and falls back to the event id and time', () => {
    const snake = withMessage({
      messageId: undefined,
      publishTime: undefined,
      message_id: 'm-9',
      publish_time: '2024-01-01T00:00:00Z',
    });
    expect(decodeCloudEvent(snake)).toMatchObject({ messageId: 'm-9', publishTime: '2024-01-01T00:00:00Z' });
    const bare = withMessage({ messageId: undefined, publishTime: undefined });
    expect(decodeCloudEvent(bare)).toMatchObject({
      messageId: '3103425958877813',
      publishTime: '2021-02-05T04:06:14.109Z',
    });
  });

  it('treats a message without data as empty bytes', () => {
    expect((decodeCloudEvent(withMessage({ data: undefined })) as InboundMessage).data.length).toBe(0);
  });

  it('rejects bad base64 clearly, with every other problem', () => {
    for (const bad of ['abc', 'ab!d', 'dGVzdA', 'dGVz dA==']) {
      expect(issuesOf(() => decodeCloudEvent(withMessage({ data: bad })))).toEqual([
        { path: 'message.data', message: expect.stringContaining('not valid base64') },
      ]);
    }
    expect(
      issuePaths(() => decodeCloudEvent(withMessage({ data: 'ab!d', attributes: { a: 1, b: 'ok', c: null } }))),
    ).toEqual(['message.data', 'message.attributes.a', 'message.attributes.c']);
  });

  it('rejects data that is not a JSON object and missing CloudEvent attributes', () => {
    expect(issuesOf(() => decodeCloudEvent({ ...structured(), data: 'not json' }))).toEqual([
      { path: 'data', message: expect.stringContaining('not valid JSON') },
    ]);
    expect(issuePaths(() => decodeCloudEvent({ ...structured(), data: { subscription: 's' } }))).toEqual(['message']);
    expect(issuePaths(() => decodeCloudEvent({ data: {} }))).toEqual(['type', 'source', 'id']);
    expect(issuePaths(() => decodeCloudEvent([]))).toEqual(['']);
  });

  it('rejects an unsupported event type naming the type', () => {
    expect(
      issuesOf(() => decodeCloudEvent({ ...structured(), type: 'google.cloud.firestore.document.v1.written' })),
    ).toEqual([{ path: 'type', message: expect.stringContaining('unsupported CloudEvent type') }]);
  });
});

describe('decodeCloudEvent: Storage object.v1.finalized', () => {
  const storage = () => binaryToCloudEvent(fixture<BinaryRequest>('storage-finalized.json'));

  it('decodes the sample, converting size and keeping generation a string', () => {
    const evt = decodeCloudEvent(storage()) as StorageObjectEvent;
    expect(evt).toEqual({
      kind: 'storage',
      eventId: '1234-5678',
      bucket: 'sample-bucket',
      name: 'folder/Test.cs',
      generation: '1587627537231057',
      size: 352,
      contentType: 'text/plain',
      timeCreated: '2020-04-23T07:38:57.230Z',
      md5Hash: 'kF8MuJ5+CTJxvyhHS1xzRg==',
    });
  });

  it('converts to data.landed keyed bucket/name#generation, carrying the object size for the size guard', () => {
    const decoded = decodeStorageAsDataLanded(decodeCloudEvent(storage()) as StorageObjectEvent);
    expect(decoded).toMatchObject({
      topic: 'data-landed',
      dedupeKey: 'sample-bucket/folder/Test.cs#1587627537231057',
      idempotencyKey: 'sample-bucket/folder/Test.cs#1587627537231057',
      payload: {
        type: 'data.landed',
        modelId: 'ipo-valuation',
        dataUri: 'gs://sample-bucket/folder/Test.cs',
        source: 'gcs',
        sizeBytes: 352,
      },
    });
  });

  it('an overwrite (new generation) is a new key', () => {
    const ce = storage();
    const next = { ...ce, data: { ...(ce.data as object), generation: '1587627537231058' } };
    const a = decodeStorageAsDataLanded(decodeCloudEvent(ce) as StorageObjectEvent);
    const b = decodeStorageAsDataLanded(decodeCloudEvent(next) as StorageObjectEvent);
    expect(a.dedupeKey).not.toBe(b.dedupeKey);
  });

  it('lists every bad field under data.*', () => {
    const ce = storage();
    const bad = { ...ce, data: { ...(ce.data as object), bucket: undefined, size: '-1', timeCreated: 'yesterday' } };
    expect(issuePaths(() => decodeCloudEvent(bad)).sort()).toEqual(['data.bucket', 'data.size', 'data.timeCreated']);
  });

  it('reports both an unknown topic and non-JSON data of the binary sample', () => {
    const msg = decodeCloudEvent(binaryToCloudEvent(fixture<BinaryRequest>('pubsub-binary.json'))) as InboundMessage;
    expect(issuesOf(() => decodeTopicMessage(msg)).map((i) => i.path)).toEqual(['topic', 'message.data']);
  });
});
