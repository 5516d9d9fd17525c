/** decodeTopicMessage: shape detection, conversion of foreign shapes, and errors listing every issue. */
import { describe, expect, it } from 'vitest';
import { decodeMonitoringWebhookBody, decodeTopicMessage } from '../../../shared/domain/envelopes/index.js';
import { fixture } from '../../fixtures/envelopes/load.js';
import { issuePaths, issuesOf } from './issues.js';
import { inbound } from './message.js';

const decode = (...args: Parameters<typeof inbound>) => decodeTopicMessage(inbound(...args));

describe('decodeTopicMessage: foreign shapes', () => {
  it('Vertex pipeline log entry -> pipeline.job-state', () => {
    expect(decode('pipeline-events', fixture('vertex-pipeline-log-entry.json')).payload).toEqual({
      type: 'pipeline.job-state',
      pipelineJobId: 'train-20240101',
      state: 'succeeded',
      location: 'us-central1',
      project: '123',
    });
  });

  it.each([
    ['PIPELINE_STATE_FAILED', 'failed'],
    ['PIPELINE_STATE_CANCELLED', 'cancelled'],
  ])('normalises %s', (raw, state) => {
    const entry = fixture('vertex-pipeline-log-entry.json');
    entry.jsonPayload = { state: raw };
    expect(decode('pipeline-events', entry).payload).toMatchObject({ state });
  });

  it('rejects a non-terminal pipeline state and a missing job id together', () => {
    const entry = { resource: { labels: {} }, jsonPayload: { state: 'PIPELINE_STATE_RUNNING' } };
    expect(issuePaths(() => decode('pipeline-events', entry))).toEqual([
      'resource.labels.pipeline_job_id',
      'jsonPayload.state',
    ]);
  });

  it('closed incident (reference sample) -> monitoring.incident', () => {
    const d = decode('drift-alerts', fixture('monitoring-incident-closed.json'));
    expect(d.payload).toMatchObject({
      type: 'monitoring.incident',
      incidentId: '0.opqiw61fsv7p',
      state: 'closed',
      policyName: 'Monitor-Project-Cluster',
      conditionName: 'VM Instance - CPU utilization [MAX]',
      metricType: 'compute.googleapis.com/instance/cpu/utilization',
      startedAt: '2020-01-01T01:01:01.000Z',
      endedAt: '2020-01-01T11:11:11.000Z',
      observedValue: 0.835,
      thresholdValue: 0.9,
      modelId: 'ipo-valuation',
    });
    expect(d.payload).toHaveProperty('raw.documentation.content', 'TEST ALERT');
  });

  it('open incident: no endedAt, model id from policy labels (metric labels as fallback)', () => {
    const open = decode('drift-alerts', fixture('monitoring-incident-open.json')).payload;
    expect(open).toMatchObject({ state: 'open', observedValue: 0.95 });
    expect(open).not.toHaveProperty('endedAt');
    const body = fixture<{ incident: Record<string, unknown> }>('monitoring-incident-closed.json');
    body.incident.metric = { type: 'custom.googleapis.com/mape', labels: { model_id: 'ipo-small' } };
    expect(decode('drift-alerts', body).payload).toMatchObject({ modelId: 'ipo-small' });
    body.incident.policy_user_labels = { model_id: 'Bad Label' };
    expect(issuePaths(() => decode('drift-alerts', body))).toEqual(['incident.policy_user_labels.model_id']);
  });

  it('the webhook body decodes like the Pub/Sub channel message, from object, text or bytes', () => {
    const body = fixture('monitoring-incident-open.json');
    const viaPubSub = decode('drift-alerts', body);
    expect(decodeMonitoringWebhookBody(body)).toEqual(viaPubSub);
    expect(decodeMonitoringWebhookBody(JSON.stringify(body))).toEqual(viaPubSub);
    expect(decodeMonitoringWebhookBody(Buffer.from(JSON.stringify(body)))).toEqual(viaPubSub);
  });

  it('an incident missing fields lists each with its incident.* path', () => {
    const body = { incident: { incident_id: 'x', state: 'resolved', started_at: '1577840461' }, version: '2.0' };
    expect(issuePaths(() => decodeMonitoringWebhookBody(body)).sort()).toEqual([
      'incident.condition_name',
      'incident.policy_name',
      'incident.started_at',
      'incident.state',
      'incident.summary',
      'version',
    ]);
    expect(issuesOf(() => decodeMonitoringWebhookBody('nope'))).toEqual([
      { path: '', message: expect.stringContaining('not valid JSON') },
    ]);
  });

  it('Vertex anomaly log entry -> vertex.anomaly', () => {
    expect(decode('drift-alerts', fixture('vertex-anomaly-log-entry.json')).payload).toEqual({
      type: 'vertex.anomaly',
      insertId: 'b0e9c0e9-0979-4aff-a5d3-4c0912469f9a@a1',
      objective: 'RAW_FEATURE_SKEW',
      features: [
        { name: 'age', deviation: 0.9, threshold: 0.7 },
        { name: 'education', deviation: 0.6, threshold: 0.3 },
      ],
      deployedModelId: '1645828169292316672',
      modelId: 'ipo-valuation',
      startTime: '2022-02-03T18:00:00Z',
      endTime: '2022-02-03T19:00:00Z',
    });
  });
});

describe('decodeTopicMessage: errors list every problem with its path', () => {
  it('non-JSON data', () => {
    expect(issuesOf(() => decode('promotions', 'approve 1.0.0'))).toEqual([
      { path: 'message.data', message: expect.stringMatching(/^not valid JSON/) },
    ]);
    expect(issuesOf(() => decode('promotions', ''))).toEqual([
      { path: 'message.data', message: 'not valid JSON (empty)' },
    ]);
  });

  it('JSON that is not an object', () => {
    expect(issuePaths(() => decode('promotions', [1, 2]))).toEqual(['']);
  });

  it('schema-invalid JSON with two bad fields gives two issues', () => {
    const issues = issuesOf(() => decode('data-landed', { type: 'data.landed', dataUri: 's3://x/y', rowCount: -1 }));
    expect(issues.map((i) => i.path)).toEqual(['dataUri', 'rowCount']);
    expect(issues[0].message).toContain('gs://');
  });

  it('unknown type, on single- and multi-shape topics', () => {
    expect(issuesOf(() => decode('data-landed', { type: 'data.removed' }))).toEqual([
      { path: 'type', message: expect.stringContaining('unknown message type "data.removed"') },
    ]);
    expect(issuesOf(() => decode('pipeline-events', { type: 'pipeline.started' }))[0].message).toContain(
      'pipeline.completed, system.reconcile',
    );
    expect(issuesOf(() => decode('drift-alerts', { modelId: 'x' }))).toEqual([
      { path: 'type', message: expect.stringContaining('required') },
    ]);
    expect(issuePaths(() => decode('promotions', { type: 7 }))).toEqual(['type']);
  });

  it('missing type on a single-shape topic is reported with the other missing fields', () => {
    expect(issuePaths(() => decode('data-landed', {}))).toEqual(['type', 'dataUri']);
    expect(issuesOf(() => decode('data-landed', {}))[0].message).toMatch(/^required/);
  });

  it('missing type on a multi-shape topic names the shapes it accepts', () => {
    expect(issuesOf(() => decode('retrain-requests', {}))).toEqual([
      { path: 'type', message: 'required; expected one of: retrain.requested, run.cancel' },
    ]);
  });

  it('unknown fields are named (typos do not pass silently)', () => {
    expect(
      issuesOf(() =>
        decode('promotions', { type: 'promotion.command', action: 'canary', version: '1.0.0', actor: 'a', persent: 5 }),
      ),
    ).toEqual([{ path: 'persent', message: 'unknown field' }]);
  });

  it('unknown topic without a hint; the hint is used when the envelope has none', () => {
    expect(issuePaths(() => decode(undefined, { type: 'data.landed', dataUri: 'gs://ipo-data/a' }))).toEqual(['topic']);
    expect(
      decodeTopicMessage(inbound(undefined, { type: 'data.landed', dataUri: 'gs://ipo-data/a' }), 'data-landed').topic,
    ).toBe('data-landed');
  });

  it('lifecycle event with missing correlation id and bad subject kind', () => {
    const evt = {
      type: 'lifecycle.event',
      event: 'run.exploded',
      modelId: 'ipo-valuation',
      subject: { kind: 'job', id: 'r' },
      actor: 'a',
      reason: 'r',
      occurredAt: 'now',
    };
    expect(issuePaths(() => decode('lifecycle-events', evt))).toEqual([
      'event',
      'subject.kind',
      'correlationId',
      'occurredAt',
    ]);
  });
});
