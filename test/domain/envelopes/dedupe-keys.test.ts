/** Key derivation per topic: explicit key, then attribute, then the message's natural identity. */
import { describe, expect, it } from 'vitest';
import { decodeTopicMessage } from '../../../shared/domain/envelopes/index.js';
import { fixture } from '../../fixtures/envelopes/load.js';
import { inbound } from './message.js';

const keysOf = (...args: Parameters<typeof inbound>) => {
  const d = decodeTopicMessage(inbound(...args));
  return { dedupeKey: d.dedupeKey, idempotencyKey: d.idempotencyKey, correlationId: d.correlationId };
};
const landed = { type: 'data.landed', dataUri: 'gs://ipo-data/2024-06.csv' };
const retrain = { type: 'retrain.requested', reason: 'schedule', requestedBy: 'nightly' };
const completed = {
  type: 'pipeline.completed',
  runId: 'r1',
  pipelineJobId: 'job-1',
  state: 'failed',
  finishedAt: '2024-06-01T00:00:00Z',
};
const approve = { type: 'promotion.command', action: 'approve', version: '1.0.0', actor: 'alice' };

describe('dedupe keys', () => {
  it('data-landed: payload key, else attribute key, else the data URI; correlation defaults to the key', () => {
    expect(keysOf('data-landed', landed)).toEqual({
      dedupeKey: landed.dataUri,
      idempotencyKey: landed.dataUri,
      correlationId: landed.dataUri,
    });
    expect(keysOf('data-landed', landed, { idempotencyKey: 'a-1', correlationId: 'c-1' })).toEqual({
      dedupeKey: 'a-1',
      idempotencyKey: 'a-1',
      correlationId: 'c-1',
    });
    expect(keysOf('data-landed', { ...landed, idempotencyKey: 'p-1' }, { idempotencyKey: 'a-1' })).toMatchObject({
      dedupeKey: 'p-1',
      correlationId: 'p-1',
    });
  });

  it('data-landed: payload fields get the keys too', () => {
    expect(decodeTopicMessage(inbound('data-landed', landed)).payload).toMatchObject({
      idempotencyKey: landed.dataUri,
      correlationId: landed.dataUri,
      source: 'operator',
      modelId: 'ipo-valuation',
    });
  });

  it('retrain-requests: key, else requestedBy@scheduledTime (attribute before field), else message id', () => {
    expect(keysOf('retrain-requests', retrain, {}, 'm-7').dedupeKey).toBe('m-7');
    expect(keysOf('retrain-requests', { ...retrain, scheduledTime: '2024-06-01T02:00:00Z' }).dedupeKey).toBe(
      'nightly@2024-06-01T02:00:00Z',
    );
    expect(
      keysOf(
        'retrain-requests',
        { ...retrain, scheduledTime: '2024-06-01T02:00:00Z' },
        { scheduledTime: '2024-06-02T02:00:00Z' },
      ).dedupeKey,
    ).toBe('nightly@2024-06-02T02:00:00Z');
    expect(keysOf('retrain-requests', retrain, { idempotencyKey: 'k', scheduledTime: 'x' }).dedupeKey).toBe('k');
  });

  it('retrain-requests: two scheduler copies with different message ids share one key', () => {
    const attrs = { scheduledTime: '2024-06-01T02:00:00Z' };
    expect(keysOf('retrain-requests', retrain, attrs, 'm-1').dedupeKey).toBe(
      keysOf('retrain-requests', retrain, attrs, 'm-2').dedupeKey,
    );
  });

  it('pipeline-events: local completion and Vertex log entry key on job#state, whatever the given key', () => {
    expect(keysOf('pipeline-events', completed, { idempotencyKey: 'k', correlationId: 'run-r1' })).toEqual({
      dedupeKey: 'job-1#failed',
      idempotencyKey: 'k',
      correlationId: 'run-r1',
    });
    expect(keysOf('pipeline-events', fixture('vertex-pipeline-log-entry.json'))).toEqual({
      dedupeKey: 'train-20240101#succeeded',
      idempotencyKey: 'train-20240101#succeeded',
      correlationId: 'train-20240101#succeeded',
    });
  });

  it('pipeline-events: reconcile ticks key on the scheduledTime attribute, else the message id', () => {
    expect(
      keysOf('pipeline-events', { type: 'system.reconcile' }, { scheduledTime: '2024-06-01T00:05:00Z' }).dedupeKey,
    ).toBe('reconcile@2024-06-01T00:05:00Z');
    expect(keysOf('pipeline-events', { type: 'system.reconcile' }, {}, 'm-9').dedupeKey).toBe('reconcile@m-9');
  });

  it('promotions: key, else message id', () => {
    expect(keysOf('promotions', approve, {}, 'm-3').dedupeKey).toBe('m-3');
    expect(keysOf('promotions', approve, { idempotencyKey: 'cli-1' }, 'm-3').dedupeKey).toBe('cli-1');
    expect(keysOf('promotions', approve, { idempotencyKey: 'cli-1' }, 'm-3').dedupeKey).toBe(
      keysOf('promotions', approve, { idempotencyKey: 'cli-1' }, 'm-4').dedupeKey,
    );
  });

  it('drift-alerts: scheduled check, finding, incident (id#state) and anomaly (insertId)', () => {
    expect(
      keysOf('drift-alerts', { type: 'monitor.scheduled-check' }, { scheduledTime: '2024-06-01T00:00:00Z' }).dedupeKey,
    ).toBe('scheduled-check@2024-06-01T00:00:00Z');
    expect(
      keysOf('drift-alerts', { type: 'monitor.scheduled-check', scheduledTime: '2024-06-01T01:00:00Z' }).dedupeKey,
    ).toBe('scheduled-check@2024-06-01T01:00:00Z');
    expect(keysOf('drift-alerts', { type: 'monitor.scheduled-check' }, {}, 'm-5').dedupeKey).toBe(
      'scheduled-check@m-5',
    );
    const finding = { type: 'drift.detected', signal: 'skew', source: 'monitor', summary: 's', evidence: {} };
    expect(keysOf('drift-alerts', finding, {}, 'm-6').dedupeKey).toBe('m-6');
    expect(keysOf('drift-alerts', fixture('monitoring-incident-open.json')).dedupeKey).toBe('0.opqiw61fsv7p#open');
    expect(keysOf('drift-alerts', fixture('monitoring-incident-closed.json')).dedupeKey).toBe('0.opqiw61fsv7p#closed');
    expect(keysOf('drift-alerts', fixture('vertex-anomaly-log-entry.json')).dedupeKey).toBe(
      'b0e9c0e9-0979-4aff-a5d3-4c0912469f9a@a1',
    );
  });

  it('lifecycle-events: idempotencyKey attribute, else message id; correlation from the payload', () => {
    const evt = {
      type: 'lifecycle.event',
      event: 'run.requested',
      modelId: 'ipo-valuation',
      subject: { kind: 'run', id: 'r1' },
      actor: 'on-new-data',
      reason: 'new data',
      correlationId: 'c-9',
      occurredAt: '2024-06-01T00:00:00Z',
    };
    expect(keysOf('lifecycle-events', evt, {}, 'm-8')).toEqual({
      dedupeKey: 'm-8',
      idempotencyKey: 'm-8',
      correlationId: 'c-9',
    });
    expect(keysOf('lifecycle-events', evt, { idempotencyKey: 'e-1' }).dedupeKey).toBe('e-1');
  });
});
