/**
 * Poison input: multi-megabyte messages, hostile nesting, out-of-range times and errors that would
 * quote input. Each must be a ValidationError naming the field (permanent), never a RangeError
 * (which the edge would have treated as transient and retried forever).
 */
import { describe, expect, it } from 'vitest';
import {
  MAX_JSON_DEPTH,
  MAX_MESSAGE_BYTES,
  asDecodeError,
  buildPubSubCloudEvent,
  decodeCloudEvent,
  decodeMonitoringWebhookBody,
  decodeTopicMessage,
  quoteInput,
} from '../../../shared/domain/envelopes/index.js';
import { isCanonicalBase64, parseJsonText } from '../../../shared/domain/envelopes/json-value.js';
import { jsonDepth, jsonSyntaxProblem } from '../../../shared/domain/envelopes/limits.js';
import { PermanentError, TransientError, ValidationError, type Issue } from '../../../shared/domain/errors.js';
import type { InboundMessage } from '../../../shared/domain/inbound.js';
import { fixture } from '../../fixtures/envelopes/load.js';
import { issuesOf } from './issues.js';

const pubsub = (data: string | Buffer) =>
  buildPubSubCloudEvent({
    project: 'p',
    topic: 'drift-alerts',
    messageId: 'm-1',
    publishTime: '2024-06-01T00:00:00Z',
    data,
  });
const nested = (depth: number): string => `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`;
const finding = (evidence: string, summary = 'shift') =>
  `{"type":"drift.detected","signal":"drift","source":"operator","summary":${JSON.stringify(summary)},"evidence":${evidence}}`;

describe('message size', () => {
  it('decodes a 3.4 MB message (the old base64 check overflowed the stack from ~3.3 MB)', () => {
    const summary = 'x'.repeat(3_400_000);
    const msg = decodeCloudEvent(pubsub(finding('{}', summary))) as InboundMessage;
    expect(msg.data.length).toBeGreaterThan(3_400_000);
    expect(decodeTopicMessage(msg).payload).toMatchObject({ type: 'drift.detected', summary });
  });

  it('refuses data beyond the Pub/Sub maximum naming the field, before decoding it', () => {
    const ce = pubsub(Buffer.alloc(MAX_MESSAGE_BYTES + 3, 0x41));
    expect(issuesOf(() => decodeCloudEvent(ce))).toEqual([
      { path: 'message.data', message: expect.stringContaining('too large') },
    ]);
  });

  it('checks base64 in linear time with the strict alphabet and padding', () => {
    expect(isCanonicalBase64('A'.repeat(8_000_000))).toBe(true);
    for (const bad of ['abc', 'ab!d', 'ab=d', '====', 'a===', 'dGVz dA=='])
      expect(isCanonicalBase64(bad), bad).toBe(false);
    for (const good of ['', 'dGVzdA==', 'dGVzdDE=', 'dGVzdDEy']) expect(isCanonicalBase64(good), good).toBe(true);
  });
});

describe('nesting depth', () => {
  it('rejects evidence nested 10,000 deep naming the depth limit', () => {
    const msg = decodeCloudEvent(pubsub(finding(nested(10_000)))) as InboundMessage;
    expect(issuesOf(() => decodeTopicMessage(msg))).toEqual([
      { path: 'message.data', message: `nests objects or arrays more than ${MAX_JSON_DEPTH} levels deep` },
    ]);
  });

  it('accepts the deepest allowed message and measures depth without recursion', () => {
    const msg = decodeCloudEvent(pubsub(finding(nested(MAX_JSON_DEPTH - 1)))) as InboundMessage;
    expect(decodeTopicMessage(msg).topic).toBe('drift-alerts');
    expect(jsonDepth(JSON.parse(nested(5)))).toBe(5);
    expect(jsonDepth([[], { a: [1] }])).toBe(3);
    expect(jsonDepth('text')).toBe(0);
  });

  it('checks an already-parsed webhook body too', () => {
    let body: unknown = 1;
    for (let i = 0; i < 10_000; i++) body = { a: body };
    expect(issuesOf(() => decodeMonitoringWebhookBody(body))).toEqual([
      { path: '', message: expect.stringContaining('levels deep') },
    ]);
  });
});

describe('incident times', () => {
  const incident = () => ({
    ...fixture<{ incident: Record<string, unknown> }>('monitoring-incident-open.json'),
    version: '1.2',
  });
  it.each([
    ['started_at', { started_at: 2 ** 53 - 1 }],
    ['ended_at', { ended_at: 2 ** 53 - 1 }],
  ])('%s = 2^53-1 is a validation error naming the field, not a RangeError', (field, patch) => {
    const body = incident();
    const issues = issuesOf(() => decodeMonitoringWebhookBody({ ...body, incident: { ...body.incident, ...patch } }));
    expect(issues).toEqual([
      { path: `incident.${field}`, message: expect.stringContaining('no later than 9999-12-31') },
    ]);
  });
});

describe('errors never echo input', () => {
  it('a JSON syntax error names the position, not the text', () => {
    const issues: Issue[] = [];
    parseJsonText('{"password": hunter2-secret}', 'message.data', issues);
    expect(issues).toEqual([
      { path: 'message.data', message: expect.stringMatching(/^not valid JSON \(syntax error/) },
    ]);
    expect(JSON.stringify(issues)).not.toContain('hunter2');
    expect(jsonSyntaxProblem(new SyntaxError('Unterminated string in JSON at position 7'))).toBe(
      'unexpected end of input at position 7',
    );
  });

  it('quotes at most a short, printable prefix', () => {
    expect(quoteInput('a\u0000b\nc')).toBe('"a?b?c"');
    expect(quoteInput('y'.repeat(500))).toBe(`"${'y'.repeat(40)}…"`);
    const msg = decodeCloudEvent(pubsub(JSON.stringify({ type: `evil${'z'.repeat(1000)}` }))) as InboundMessage;
    const [issue] = issuesOf(() => decodeTopicMessage(msg));
    expect(issue.message.length).toBeLessThan(400);
  });
});

describe('asDecodeError: every decoding failure is permanent', () => {
  it.each([
    ['a RangeError', new RangeError('Invalid time value'), 'CONTRACT.UNDECODABLE'],
    ['a thrown string', 'boom', 'CONTRACT.UNDECODABLE'],
    ['a transient error', new TransientError('X.Y', 'flaky'), 'CONTRACT.UNDECODABLE'],
    ['a permanent error', new PermanentError('X.BAD', 'bad'), 'X.BAD'],
  ])('%s -> %s', (_name, err, code) => {
    const out = asDecodeError(err);
    expect(out).toBeInstanceOf(ValidationError);
    expect(out.retryable).toBe(false);
    expect(out.code).toBe(code);
  });

  it('keeps a ValidationError as it is', () => {
    const err = new ValidationError('x', [{ path: 'a', message: 'b' }]);
    expect(asDecodeError(err)).toBe(err);
  });
});
