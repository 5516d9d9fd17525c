/** The same Pub/Sub message decodes identically whatever envelope carried it. */
import { describe, expect, it } from 'vitest';
import {
  buildPubSubCloudEvent,
  decodeCloudEvent,
  decodePushBody,
  decodeTopicMessage,
} from '../../../shared/domain/envelopes/index.js';
import type { InboundMessage } from '../../../shared/domain/inbound.js';
import type { Topic } from '../../../shared/domain/topics.js';
import { TOPIC_DOCS } from '../../../shared/domain/contracts/index.js';
import { binaryToCloudEvent, fixture, pubsubBinaryRequest, pushToCloudEvent } from '../../fixtures/envelopes/load.js';

const cases: Array<[Topic, unknown, Record<string, string>]> = [
  ['data-landed', { type: 'data.landed', dataUri: 'gs://ipo-data/x.csv' }, {}],
  [
    'retrain-requests',
    { type: 'retrain.requested', reason: 'schedule', requestedBy: 'nightly' },
    { scheduledTime: '2024-06-01T02:00:00Z' },
  ],
  ['pipeline-events', fixture('vertex-pipeline-log-entry.json'), {}],
  [
    'promotions',
    { type: 'promotion.command', action: 'approve', version: '1.2.3', actor: 'alice' },
    { idempotencyKey: 'k-1' },
  ],
  ['drift-alerts', fixture('monitoring-incident-open.json'), {}],
  ['drift-alerts', fixture('vertex-anomaly-log-entry.json'), {}],
  ['lifecycle-events', TOPIC_DOCS['lifecycle-events'].examples[0], {}],
  ['promotions', { type: 'promotion.command', action: 'set-traffic', traffic: { '1.0.0': 60 }, actor: 'bob' }, {}],
];

function forms(topic: Topic, payload: unknown, attributes: Record<string, string>): Array<[string, InboundMessage]> {
  const data = Buffer.from(JSON.stringify(payload)).toString('base64');
  const message = {
    attributes,
    data,
    messageId: 'm-42',
    message_id: 'm-42',
    publishTime: '2024-06-01T02:00:01Z',
    publish_time: '2024-06-01T02:00:01Z',
  };
  const push = { message, subscription: 'projects/demo/subscriptions/s', deliveryAttempt: 2 };
  const path = `/projects/demo/topics/${topic}`;
  const decode = (ce: unknown) => decodeCloudEvent(ce) as InboundMessage;
  return [
    [
      'structured',
      decode(
        buildPubSubCloudEvent({
          project: 'demo',
          topic,
          messageId: 'm-42',
          publishTime: message.publishTime,
          data: JSON.stringify(payload),
          attributes,
        }),
      ),
    ],
    ['binary', decode(binaryToCloudEvent(pubsubBinaryRequest('demo', topic, message)))],
    ['push-converted', decode(pushToCloudEvent(push, path))],
    ['raw push', { ...decodePushBody(push, path), deliveryAttempt: undefined }],
  ];
}

describe('envelope equivalence', () => {
  it.each(cases)('%s message decodes identically in every envelope', (topic, payload, attributes) => {
    const all = forms(topic, payload, attributes);
    const [, first] = all[0];
    expect(first.topic).toBe(topic);
    for (const [, msg] of all)
      expect({ ...msg, deliveryAttempt: undefined }).toEqual({ ...first, deliveryAttempt: undefined });
    const outcomes = all.map(([, msg]) => {
      try {
        return decodeTopicMessage(msg);
      } catch (err) {
        return (err as Error).message;
      }
    });
    for (const o of outcomes) expect(o).toEqual(outcomes[0]);
    // Only the deliberately invalid split is rejected; rejections are identical too.
    expect(typeof outcomes[0] === 'string').toBe(JSON.stringify(payload).includes('set-traffic'));
  });

  it('the case list covers every topic', () => {
    expect(new Set(cases.map(([t]) => t)).size).toBe(6);
  });
});
