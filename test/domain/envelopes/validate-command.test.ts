/** validateCommand: operator JSON -> normalised payload + key attributes that consumers decode identically. */
import { describe, expect, it } from 'vitest';
import { TOPIC_DOCS } from '../../../shared/domain/contracts/index.js';
import {
  buildPubSubCloudEvent,
  decodeCloudEvent,
  decodeTopicMessage,
  validateCommand,
} from '../../../shared/domain/envelopes/index.js';
import type { InboundMessage } from '../../../shared/domain/inbound.js';
import { TOPICS, type Topic } from '../../../shared/domain/topics.js';
import { fixture } from '../../fixtures/envelopes/load.js';
import { issuePaths } from './issues.js';

const ids = () => {
  let n = 0;
  return () => `id-${++n}`;
};

/** Publish what validateCommand returned through a CloudEvent and decode it as a consumer would. */
function roundTrip(topic: Topic, v: ReturnType<typeof validateCommand>) {
  const ce = buildPubSubCloudEvent({
    project: 'demo',
    topic,
    messageId: 'server-id',
    publishTime: '2024-06-01T00:00:00Z',
    data: JSON.stringify(v.payload),
    attributes: v.attributes,
  });
  return decodeTopicMessage(decodeCloudEvent(ce) as InboundMessage);
}

describe('validateCommand', () => {
  it('fills the key from the factory, defaults the correlation id and applies defaults', () => {
    const v = validateCommand(
      'promotions',
      { type: 'promotion.command', action: 'approve', version: '1.0.0', actor: 'alice' },
      ids(),
    );
    expect(v.attributes).toEqual({ idempotencyKey: 'id-1', correlationId: 'id-1' });
    expect(v.payload).toEqual({
      type: 'promotion.command',
      action: 'approve',
      version: '1.0.0',
      actor: 'alice',
      modelId: 'ipo-valuation',
      idempotencyKey: 'id-1',
      correlationId: 'id-1',
    });
  });

  it('keeps keys the operator gave and does not call the factory', () => {
    const v = validateCommand(
      'retrain-requests',
      {
        type: 'retrain.requested',
        reason: 'manual',
        requestedBy: 'bob',
        idempotencyKey: 'mine',
        correlationId: 'inc-7',
      },
      () => {
        throw new Error('must not be called');
      },
    );
    expect(v.attributes).toEqual({ idempotencyKey: 'mine', correlationId: 'inc-7' });
  });

  it.each(TOPICS.flatMap((t) => TOPIC_DOCS[t].examples.map((e) => [t, e] as const)))(
    'documented example on %s validates and round-trips',
    (topic, example) => {
      const v = validateCommand(topic, example, ids());
      expect(roundTrip(topic, v)).toEqual(v.decoded);
    },
  );

  it('passes foreign shapes through unchanged (a replayed incident stays an incident)', () => {
    const incident = fixture('monitoring-incident-open.json');
    const v = validateCommand('drift-alerts', incident, ids());
    expect(v.payload).toEqual(incident);
    expect(v.decoded.dedupeKey).toBe('0.opqiw61fsv7p#open');
    expect(roundTrip('drift-alerts', v)).toEqual(v.decoded);
  });

  it('throws a ValidationError listing every problem', () => {
    expect(
      issuePaths(() =>
        validateCommand('data-landed', { type: 'data.landed', dataUri: 'ftp://x', source: 'ftp' }, ids()),
      ),
    ).toEqual(['dataUri', 'source']);
    expect(issuePaths(() => validateCommand('promotions', 'approve', ids()))).toEqual(['']);
  });
});
