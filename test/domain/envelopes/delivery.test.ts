import { describe, expect, it } from 'vitest';
import { buildPubSubCloudEvent, decodeDelivery, decodePushDelivery } from '../../../shared/domain/envelopes/index.js';
import { binaryToCloudEvent, fixture, type BinaryRequest } from '../../fixtures/envelopes/load.js';

const ce = (data: string, topic = 'promotions') =>
  buildPubSubCloudEvent({ project: 'demo', topic, messageId: 'm-1', publishTime: '2024-06-01T00:00:00Z', data });

describe('decodeDelivery', () => {
  it('decodes a valid message', () => {
    const out = decodeDelivery(
      ce(JSON.stringify({ type: 'promotion.command', action: 'promote', version: '2.0.0', actor: 'a' })),
    );
    expect(out).toMatchObject({
      kind: 'decoded',
      inbound: { messageId: 'm-1' },
      message: { topic: 'promotions', dedupeKey: 'm-1' },
    });
  });

  it('turns a Storage finalize into data-landed', () => {
    const out = decodeDelivery(binaryToCloudEvent(fixture<BinaryRequest>('storage-finalized.json')));
    expect(out).toMatchObject({
      kind: 'decoded',
      message: { topic: 'data-landed', dedupeKey: 'sample-bucket/folder/Test.cs#1587627537231057' },
    });
  });

  it('returns a poison payload as rejected, keeping the envelope for the record', () => {
    const out = decodeDelivery(ce('{"type":"promotion.command"'));
    expect(out.kind).toBe('rejected');
    if (out.kind !== 'rejected') return;
    expect(out.inbound).toMatchObject({ messageId: 'm-1' });
    expect(out.error.issues.map((i) => i.path)).toEqual(['message.data']);
  });

  it('returns an unreadable envelope as rejected without an inbound', () => {
    const out = decodeDelivery({
      type: 'google.cloud.pubsub.topic.v1.messagePublished',
      source: 's',
      id: '1',
      data: { message: { data: '%%%' } },
    });
    expect(out).toMatchObject({ kind: 'rejected', inbound: undefined });
  });

  it('decodes push bodies with the topic from the URL path or the hint', () => {
    const body = {
      message: {
        data: Buffer.from('{"type":"system.reconcile"}').toString('base64'),
        messageId: 'p-1',
        publishTime: '2024-06-01T00:00:00Z',
      },
      deliveryAttempt: 5,
    };
    expect(decodePushDelivery(body, '/projects/demo/topics/pipeline-events')).toMatchObject({
      kind: 'decoded',
      inbound: { deliveryAttempt: 5 },
      message: { dedupeKey: 'reconcile@p-1' },
    });
    expect(decodePushDelivery(body, '/', 'pipeline-events')).toMatchObject({ kind: 'decoded' });
    expect(decodePushDelivery(body, '/')).toMatchObject({ kind: 'rejected', error: { issues: [{ path: 'topic' }] } });
  });
});
