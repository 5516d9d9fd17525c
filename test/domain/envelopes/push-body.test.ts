import { describe, expect, it } from 'vitest';
import { decodePushBody } from '../../../shared/domain/envelopes/index.js';
import { fixture } from '../../fixtures/envelopes/load.js';
import { issuePaths, issuesOf } from './issues.js';

const body = () => fixture('pubsub-push-body.json');

describe('decodePushBody', () => {
  it('decodes the documented push body with deliveryAttempt', () => {
    const msg = decodePushBody(body(), '/projects/myproject/topics/drift-alerts');
    expect(msg).toMatchObject({
      kind: 'pubsub',
      topic: 'drift-alerts',
      messageId: '2070443601311540',
      publishTime: '2021-02-26T19:13:55.749Z',
      attributes: { key: 'value' },
      orderingKey: 'k1',
      deliveryAttempt: 3,
    });
    expect(msg.data.toString()).toBe('Hello Cloud Pub/Sub! Here is my message!');
  });

  it.each([
    [undefined, undefined],
    ['/', undefined],
    ['/projects/p/topics/not-a-topic', undefined],
    ['/projects/p/topics/promotions?token=x', 'promotions'],
  ])('recovers the topic from URL path %s', (path, topic) => {
    expect(decodePushBody(body(), path).topic).toBe(topic);
  });

  it('accepts a body given as JSON text or bytes', () => {
    expect(decodePushBody(JSON.stringify(body()))).toEqual(decodePushBody(body()));
    expect(decodePushBody(Buffer.from(JSON.stringify(body())))).toEqual(decodePushBody(body()));
  });

  it('omits deliveryAttempt when the subscription has no dead-letter policy', () => {
    const { deliveryAttempt: _drop, ...rest } = body();
    expect(decodePushBody(rest).deliveryAttempt).toBeUndefined();
  });

  it('lists every problem: bad deliveryAttempt, bad base64, missing ids', () => {
    const bad = { message: { data: '***', attributes: {} }, deliveryAttempt: 0 };
    expect(issuePaths(() => decodePushBody(bad))).toEqual([
      'message.data',
      'message.messageId',
      'message.publishTime',
      'deliveryAttempt',
    ]);
  });

  it('rejects a body that is not an object or lacks a message', () => {
    expect(issuesOf(() => decodePushBody('{oops'))).toEqual([
      { path: '', message: expect.stringContaining('not valid JSON') },
    ]);
    expect(issuePaths(() => decodePushBody({ subscription: 's' }))).toEqual(['message']);
  });
});
